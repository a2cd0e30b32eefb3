using System.Text.Json;
using System.Text.Json.Nodes;
using Alle.Destinations.Mappings;
using Alle.Destinations.Validation;

namespace Alle.UnitTests.Destinations;

/// <summary>Mapping request templates (Liquid, Fluid): URL, headers and JSON body from the event, the profile's traits and the audience.</summary>
public sealed class MappingTemplateTests
{
    private static readonly Guid s_destination = Guid.Parse("0197a000-0000-7000-8000-000000000001");

    private static MappingTemplate Parse(string json)
    {
        var errors = new ValidationErrors();
        var template = MappingTemplate.Parse(JsonDocument.Parse(json).RootElement, "$.request", errors);
        Assert.True(errors.IsEmpty, errors.ToString());
        return template!;
    }

    [Fact]
    public void The_body_the_url_and_the_headers_are_rendered_from_the_event_and_the_traits()
    {
        var template = Parse("""
            {"method": "put", "url": "https://crm.example.com/contacts/{{ event.userId | url_encode }}",
             "headers": {"Authorization": "Bearer abc", "X-Event": "{{ event.event }}"},
             "body": "{\"email\": {{ traits.email | json }}, \"total\": {{ event.properties.total | json }}, \"items\": {{ event.properties.items | size }}, \"source\": {{ destination.name | json }}}"}
            """);
        var segmentEvent = Events.Track("Order Completed", new { total = 120.5, items = new[] { "a", "b" } }, userId: "user 1");
        var traits = new JsonObject { ["email"] = "ann@example.com" };

        var request = template.Render(new MappingContext(segmentEvent, traits, null, s_destination, "CRM"));

        Assert.Equal("PUT", request.Method);
        Assert.Equal("https://crm.example.com/contacts/user+1", request.Url);
        Assert.Contains(("X-Event", "Order Completed"), request.Headers);
        Assert.Contains(("Authorization", "Bearer abc"), request.Headers);
        var body = JsonDocument.Parse(request.Body!).RootElement;
        Assert.Equal("ann@example.com", body.GetProperty("email").GetString());
        Assert.Equal(120.5m, body.GetProperty("total").GetDecimal());
        Assert.Equal(2, body.GetProperty("items").GetInt32());
        Assert.Equal("CRM", body.GetProperty("source").GetString());
        Assert.True(template.UsesTraits);
    }

    [Fact]
    public void A_body_may_be_written_as_json_with_templates_inside_its_strings_and_the_audience_is_there_for_syncs()
    {
        var template = Parse("""{"url": "https://ads.example.com/audiences/{{ audience.key }}", "body": {"user": "{{ event.userId }}", "member": "{{ audience.entered }}"}}""");
        var audience = new JsonObject { ["key"] = "north_star", ["entered"] = true };

        var request = template.Render(new MappingContext(Events.Identify(new { north_star = true }), null, audience, s_destination, "Ads"));

        Assert.Equal("POST", request.Method);
        Assert.Equal("https://ads.example.com/audiences/north_star", request.Url);
        Assert.Equal("""{"user":"u1","member":"true"}""", JsonNode.Parse(request.Body!)!.ToJsonString());
        Assert.False(template.UsesTraits);
    }

    [Fact]
    public void A_body_that_is_not_json_once_rendered_is_a_render_failure()
    {
        var template = Parse("""{"url": "https://x.example.com", "body": "{\"name\": {{ event.properties.name }}}"}""");

        Assert.Throws<MappingRenderException>(() => template.Render(new MappingContext(Events.Track("E", new { name = "unquoted text" }), null, null, s_destination, "X")));
    }

    [Fact]
    public void Missing_values_render_empty_and_a_get_has_no_body()
    {
        var template = Parse("""{"method": "GET", "url": "https://x.example.com/?plan={{ traits.plan }}&zip={{ event.properties.zip }}"}""");

        var request = template.Render(new MappingContext(Events.Track("E"), null, null, s_destination, "X"));

        Assert.Equal("https://x.example.com/?plan=&zip=", request.Url);
        Assert.Null(request.Body);
    }

    [Theory]
    [InlineData("""{"url": "https://x.example.com/{{ event.userId "}""", "$.request.url")]
    [InlineData("""{"method": "TRACE", "url": "https://x.example.com"}""", "$.request.method")]
    [InlineData("""{"method": 42, "url": "https://x.example.com"}""", "$.request.method")]
    [InlineData("""{"url": "https://x.example.com", "headers": {"X-Team": "a\u001bb"}}""", "$.request.headers.X-Team")]
    [InlineData("""{"url": "https://x.example.com", "bdy": "{}"}""", "$.request.bdy")]
    [InlineData("""{"url": "https://x.example.com", "headers": {"X-Signature": "forged"}}""", "$.request.headers.X-Signature")]
    [InlineData("""{"url": "https://x.example.com", "headers": {"Content-Length": "1"}}""", "$.request.headers.Content-Length")]
    [InlineData("""{"body": "{}"}""", "$.request.url")]
    [InlineData("""{"url": "https://x.example.com", "body": "{% for %}"}""", "$.request.body")]
    public void Invalid_requests_are_refused_by_path(string json, string path)
    {
        var errors = new ValidationErrors();

        Assert.Null(MappingTemplate.Parse(JsonDocument.Parse(json).RootElement, "$.request", errors));
        Assert.True(errors.Contains(path), errors.ToString());
    }
}
