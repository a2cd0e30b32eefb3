using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Alle.IntegrationTests.BadInput;

/// <summary>
/// What the corpus aims its bad requests at: a source of its own, two members (A signs in, B is the other member), an
/// offer, a coupon, a purchase, a promotion, an audience, a computed trait, a model, a journey and a message, created
/// through the APIs before the state is read.
/// </summary>
internal sealed class BadInputWorld
{
    public const string Provider = "prv_chelsea_skin";

    private BadInputWorld(DistributedAppFixture app) => App = app;

    public DistributedAppFixture App { get; }

    public string Tag { get; } = Guid.NewGuid().ToString("N")[..10];

    public string SourceId { get; private set; } = "";

    public string WriteKey { get; private set; } = "";

    public string MemberA { get; private set; } = "";

    public string MemberAToken { get; private set; } = "";

    public string MemberB { get; private set; } = "";

    /// <summary>A phone nobody uses: valid bodies carry it, so anything stored for it was stored by a bad request.</summary>
    public string SparePhone { get; } = TestPhones.New();

    public string MemberAPhone { get; } = TestPhones.New();

    public string MemberBPhone { get; } = TestPhones.New();

    public Guid OfferId { get; private set; }

    /// <summary>A well-formed coupon code that nobody holds.</summary>
    public string CouponCode { get; } = Alle.Loyalty.Offers.CouponCode.Generate();

    public string PurchaseId { get; private set; } = "";

    public Guid PromotionId { get; private set; }

    public string AudienceKey { get; private set; } = "";

    public string TraitKey { get; private set; } = "";

    public string ModelKey { get; private set; } = "";

    public Guid JourneyId { get; private set; }

    public Guid MessageId { get; private set; }

    public string AuthToken => App.Parameter("twilio-auth-token");

    public static async Task<BadInputWorld> CreateAsync(DistributedAppFixture app)
    {
        var world = new BadInputWorld(app);
        await world.SetUpAsync();
        return world;
    }

    private async Task SetUpAsync()
    {
        var admin = App.AdminGateway;
        var source = await CreatedAsync(admin.PostAsJsonAsync("/api/ingestion/sources", new { name = "Bad input", id = $"bad-input-{Tag}" }));
        SourceId = source.GetProperty("source").GetProperty("id").GetString()!;
        WriteKey = source.GetProperty("writeKey").GetString()!;

        var a = await CreatedAsync(admin.PostAsJsonAsync("/api/loyalty/members", Enrolment(MemberAPhone)));
        (MemberA, MemberAToken) = (a.GetProperty("memberId").GetString()!, a.GetProperty("token").GetString()!);
        MemberB = (await CreatedAsync(admin.PostAsJsonAsync("/api/loyalty/members", Enrolment(MemberBPhone)))).GetProperty("memberId").GetString()!;

        OfferId = (await CreatedAsync(admin.PostAsJsonAsync("/api/loyalty/offers", new
        {
            title = $"Bad input {Tag}", value = 20m, startsAt = DateTimeOffset.UtcNow.AddMinutes(-1), endsAt = DateTimeOffset.UtcNow.AddDays(7),
            audienceKey = $"bad-input-nobody-{Tag}",
        }))).GetProperty("offerId").GetGuid();
        PurchaseId = $"bi-{Tag}";
        using var desk = Authorized(App.Parameter("provider-key"));
        await CreatedAsync(desk.PostAsJsonAsync($"/api/loyalty/providers/{Provider}/purchases",
            new { purchaseId = PurchaseId, memberId = MemberB, treatments = new[] { new { product = "juvederm", amount = 100m } } }));
        PromotionId = Guid.Parse((await CreatedAsync(admin.PostAsJsonAsync("/api/loyalty/rules/promotions", new
        {
            name = $"Bad input {Tag}", products = new[] { "kybella" }, multiplier = 2m, startsAt = DateTimeOffset.UtcNow.AddDays(300), endsAt = DateTimeOffset.UtcNow.AddDays(301),
        }))).GetProperty("id").GetString()!);

        AudienceKey = $"bad_input_{Tag}";
        await CreatedAsync(admin.PostAsJsonAsync("/api/audiences", new
        {
            key = AudienceKey, name = "Bad input", condition = JsonDocument.Parse($$"""{"trait": "bad_input_tag", "operator": "equals", "value": "{{Tag}}"}""").RootElement,
        }));
        TraitKey = $"bad_input_trait_{Tag}";
        await CreatedAsync(admin.PostAsJsonAsync("/api/audiences/computed-traits", new
        {
            key = TraitKey, name = "Bad input", definition = JsonDocument.Parse($$"""{"kind": "counter", "event": "Bad Input {{Tag}}", "within": "30d"}""").RootElement,
        }));
        ModelKey = $"bad_input_model_{Tag}";
        await CreatedAsync(admin.PostAsJsonAsync("/api/audiences/models", new
        {
            key = ModelKey, name = "Bad input", query = $"SELECT 'bad-input-{Tag}' AS user_id, 1 AS n", identifierColumn = "user_id", identifierType = "user_id",
            traitColumns = new Dictionary<string, string> { ["n"] = $"bad_input_{Tag}" }, enabled = false,
        }));
        JourneyId = (await CreatedAsync(admin.PostAsJsonAsync("/api/messaging/journeys", JsonDocument.Parse(Journey()).RootElement))).GetProperty("id").GetGuid();
        await OkAsync(admin.PostAsync($"/api/messaging/journeys/{JourneyId}/pause", null), HttpStatusCode.OK);
        MessageId = (await OkAsync(admin.PostAsJsonAsync("/api/messaging/messages", new { to = SpareMessagePhone, body = "Bad input corpus", idempotencyKey = $"bi-{Tag}" }),
            HttpStatusCode.Accepted)).GetProperty("id").GetGuid();
    }

    /// <summary>The phone the world's one message went to (not <see cref="SparePhone"/>, which must stay untouched).</summary>
    public string SpareMessagePhone { get; } = TestPhones.New();

    public string Journey() => $$"""
        {"name": "Bad input {{Tag}}", "trigger": {"type": "event", "event": "Bad Input Never {{Tag}}", "filters": [{"property": "tag", "operator": "equals", "value": "{{Tag}}"}]},
         "template": "Hello from the corpus", "delaySeconds": 0, "entryPolicy": {"type": "once"}, "category": "marketing"}
        """;

    public static object Enrolment(string phone) => new
    {
        phone, firstName = "Bad", lastName = "Input", email = $"bad.input.{Guid.NewGuid():N}@example.com", birthday = "1985-05-05", zip = "10001",
        marketingConsent = false, consentWording = "No texts, thanks.", source = "portal",
    };

    public HttpClient Authorized(string credential)
    {
        var client = App.CreateClient("gateway");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        return client;
    }

    public AuthenticationHeaderValue? Credentials(Caller caller) => caller switch
    {
        Caller.Admin => new AuthenticationHeaderValue("Bearer", App.AdminKey),
        Caller.Member => new AuthenticationHeaderValue("Bearer", MemberAToken),
        Caller.Provider => new AuthenticationHeaderValue("Bearer", App.Parameter("provider-key")),
        Caller.WriteKey => new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{WriteKey}:"))),
        _ => null,
    };

    private static async Task<JsonElement> CreatedAsync(Task<HttpResponseMessage> sending) => await OkAsync(sending, HttpStatusCode.Created);

    private static async Task<JsonElement> OkAsync(Task<HttpResponseMessage> sending, params HttpStatusCode[] expected)
    {
        using var response = await sending;
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected.Contains(response.StatusCode), $"Setting up the corpus's world: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
