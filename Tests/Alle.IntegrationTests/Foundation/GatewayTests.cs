using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.IntegrationTests.Foundation;

[Collection(StackCollection.Name)]
public sealed class GatewayTests(DistributedAppFixture app)
{
    [Fact]
    public async Task Health_reports_the_gateway_and_every_destination()
    {
        var health = await app.Gateway.GetFromJsonAsync<JsonElement>("/health");

        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        var destinations = health.GetProperty("entries").GetProperty("destinations").GetProperty("data");
        foreach (var service in new[] { "ingestion", "profiles", "audiences", "messaging", "loyalty", "destinations", "web" })
        {
            Assert.Equal("Healthy", destinations.GetProperty(service).GetString());
        }
    }

    [Fact]
    public async Task Pages_outside_the_api_prefixes_are_served_by_the_web_portal()
    {
        using var response = await app.Gateway.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Admin_apis_refuse_requests_without_the_admin_key_with_a_problem_response()
    {
        using var anonymous = await app.Gateway.GetAsync("/api/profiles/v1/spaces/default/collections/users/profiles/user_id:nobody/events");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/profiles/v1/spaces/default/collections/users/profiles/user_id:nobody/events");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-admin-key");
        using var wrongKey = await app.Gateway.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
    }

    [Fact]
    public async Task Bodies_over_the_gateway_limit_are_refused_before_reaching_a_service()
    {
        var tracking = app.CreateTrackingClient("portal");
        using var content = new ByteArrayContent(new byte[5 * 1024 * 1024]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        // With Expect: 100-continue the gateway answers from the declared length, without reading the body.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/track") { Content = content };
        request.Headers.ExpectContinue = true;
        using var response = await tracking.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }
}
