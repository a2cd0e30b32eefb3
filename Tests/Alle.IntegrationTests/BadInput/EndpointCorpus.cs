using System.Text.Json.Nodes;

namespace Alle.IntegrationTests.BadInput;

/// <summary>
/// Every endpoint behind the gateway, as it is called when used as intended. <see cref="EndpointCoverageTests"/> fails
/// when a service maps an endpoint that is not here, so a new endpoint joins the corpus with its first test run.
/// </summary>
internal static class EndpointCorpus
{
    /// <summary>Mapped by every service for the orchestrator's probes; they read no input and the gateway does not forward them.</summary>
    public static readonly string[] Probes = ["/health", "/alive"];

    public static IReadOnlyList<EndpointSpec> All { get; } =
    [
        .. Ingestion(), .. Profiles(), .. Audiences(), .. Messaging(), .. Loyalty(), .. Destinations(), .. Web(),
        .. BadInputWorld.ServicesWithDeadLetters.SelectMany(DeadLetters),
        .. InMemoryService.Names.SelectMany(ApiDocumentation),
    ];

    private static JsonObject Json(string json) => JsonNode.Parse(json)!.AsObject();

    private static Dictionary<string, QueryKind> AuditQuery => new()
    {
        ["actor"] = QueryKind.Text, ["q"] = QueryKind.Text, ["from"] = QueryKind.Instant, ["to"] = QueryKind.Instant, ["limit"] = QueryKind.Integer,
    };

    private static EndpointSpec Get(string service, string route, Caller caller) => new(service, "GET", route, caller);

    private static EndpointSpec Post(string service, string route, Caller caller) => new(service, "POST", route, caller);

    /// <summary>The OpenAPI document and its reference page: they read nothing but the document's name.</summary>
    private static IEnumerable<EndpointSpec> ApiDocumentation(string s)
    {
        var document = (Func<BadInputWorld, Dictionary<string, string>>)(_ => new() { ["documentName"] = "v1" });
        yield return Get(s, $"/api/{s}/openapi/{{documentName}}.json", Caller.Anonymous) with { Values = document, AnyPathValue = ["documentName"] };
        yield return Get(s, $"/api/{s}/docs/{{documentName?}}", Caller.Anonymous) with { Values = document, AnyPathValue = ["documentName"] };
        foreach (var asset in new[] { "scalar.js", "scalar.aspnetcore.js", "favicon.svg" })
        {
            yield return Get(s, $"/api/{s}/docs/{asset}", Caller.Anonymous);
        }
    }

    private static IEnumerable<EndpointSpec> DeadLetters(string s)
    {
        var queue = (Func<BadInputWorld, Dictionary<string, string>>)(w => new() { ["queue"] = w.DeadLetterQueue[s] });
        yield return Get(s, $"/api/{s}/dead-letters/", Caller.Admin);
        yield return Get(s, $"/api/{s}/dead-letters/{{queue}}/messages", Caller.Admin) with { Values = queue, Query = new() { ["limit"] = QueryKind.Integer } };
        foreach (var action in new[] { "replay", "discard" })
        {
            yield return Post(s, $"/api/{s}/dead-letters/{{queue}}/{action}", Caller.Admin) with
            {
                Values = queue, Body = _ => Json("""{"all": true}"""), Optional = ["all"],
            };
        }
    }

    private static IEnumerable<EndpointSpec> Ingestion()
    {
        const string s = "ingestion";
        var calls = new Dictionary<string, string>
        {
            ["identify"] = """{"userId": "bad-input-user", "traits": {"plan": "gold", "visits": 2}}""",
            ["track"] = """{"userId": "bad-input-user", "event": "Bad Input Probe", "properties": {"step": 1, "label": "first"}}""",
            ["page"] = """{"userId": "bad-input-user", "name": "Home", "properties": {"path": "/"}}""",
            ["screen"] = """{"userId": "bad-input-user", "name": "Home", "properties": {"path": "/"}}""",
            ["group"] = """{"userId": "bad-input-user", "groupId": "bad-input-group", "traits": {"size": 3}}""",
            ["alias"] = """{"userId": "bad-input-user", "previousId": "bad-input-before"}""",
        };
        foreach (var (type, body) in calls)
        {
            foreach (var route in new[] { $"/v1/{type}", $"/v1/{type[0]}" })
            {
                yield return Post(s, route, Caller.WriteKey) with
                {
                    // Segment reads numeric ids as text: a number there is valid.
                    Body = _ => Json(body), SegmentTracking = true, AnyValue = ["traits", "properties", "userId", "groupId", "previousId"],
                    Optional = ["name", "traits", "properties"],
                };
            }
        }
        foreach (var route in new[] { "/v1/batch", "/v1/import", "/v1/b" })
        {
            yield return Post(s, route, Caller.WriteKey) with
            {
                Body = _ => Json("""{"batch": [{"type": "track", "userId": "bad-input-user", "event": "Bad Input Probe", "properties": {"step": 1, "label": "first"}}]}"""),
                SegmentTracking = true, AnyValue = ["batch[0].properties", "batch[0].userId"], Optional = ["batch[0].properties"],
            };
        }
        yield return Get(s, "/v1/projects/{writeKey}/settings", Caller.Anonymous) with { Values = w => new() { ["writeKey"] = w.WriteKey } };

        yield return Get(s, "/api/ingestion/outbox", Caller.Admin);
        yield return Get(s, "/api/ingestion/audit", Caller.Admin) with { Lookup = true, Query = AuditQuery };
        yield return Get(s, "/api/ingestion/sources/", Caller.Admin);
        yield return Post(s, "/api/ingestion/sources/", Caller.Admin) with
        {
            Body = w => Json($$"""{"name": "Bad input {{w.Tag}}", "id": "bad-input-new-{{w.Tag}}", "rateLimitPerSecond": 100}"""),
            Optional = ["id", "rateLimitPerSecond"],
        };
        var source = (Func<BadInputWorld, Dictionary<string, string>>)(w => new() { ["id"] = w.SourceId });
        yield return Get(s, "/api/ingestion/sources/{id}", Caller.Admin) with { Values = source };
        yield return new EndpointSpec(s, "PATCH", "/api/ingestion/sources/{id}", Caller.Admin) with
        {
            Values = source, Body = _ => Json("""{"name": "Renamed by bad input", "enabled": false, "rateLimitPerSecond": 5}"""),
            Optional = ["name", "enabled", "rateLimitPerSecond"],
        };
        yield return Post(s, "/api/ingestion/sources/{id}/rotate-key", Caller.Admin) with { Values = source };
        yield return Get(s, "/api/ingestion/sources/{id}/volume", Caller.Admin) with { Values = source, Lookup = true, Query = new() { ["hours"] = QueryKind.Integer } };
        yield return Get(s, "/api/ingestion/sources/{id}/rejected", Caller.Admin) with
        {
            Values = source, Lookup = true, Query = new() { ["reason"] = QueryKind.Text, ["limit"] = QueryKind.Integer },
        };
        yield return Get(s, "/api/ingestion/sources/{id}/stream", Caller.Admin) with { Values = source };
        yield return Get(s, "/api/ingestion/schema/", Caller.Admin) with { Lookup = true, Query = new() { ["sourceId"] = QueryKind.Text } };
        yield return Get(s, "/api/ingestion/sources/{id}/tracking-plan", Caller.Admin) with { Values = source };
        yield return new EndpointSpec(s, "PUT", "/api/ingestion/sources/{id}/tracking-plan", Caller.Admin) with
        {
            Values = source,
            Body = _ => Json("""
                {"events": [{"name": "Order Completed", "description": "An order", "properties": {"type": "object", "required": ["total"]}}],
                 "identifyTraits": {"type": "object"}, "unplannedEvents": "flag", "violations": "block"}
                """),
            Optional = ["events", "events[0].description", "events[0].properties", "identifyTraits", "unplannedEvents", "violations"],
            AnyValue = ["events[0].properties", "identifyTraits"],
        };
        yield return new EndpointSpec(s, "DELETE", "/api/ingestion/sources/{id}/tracking-plan", Caller.Admin) with { Values = source };
        yield return Get(s, "/api/ingestion/sources/{id}/violations", Caller.Admin) with
        {
            Values = source, Lookup = true, Query = new() { ["examples"] = QueryKind.Integer },
        };
        yield return Get(s, "/api/ingestion/sources/{id}/violations/{event}", Caller.Admin) with
        {
            Values = w => new() { ["id"] = w.SourceId, ["event"] = "Order Completed" }, Query = new() { ["examples"] = QueryKind.Integer },
        };
    }

    private static IEnumerable<EndpointSpec> Profiles()
    {
        const string s = "profiles";
        var subject = new Dictionary<string, QueryKind> { ["userId"] = QueryKind.Text, ["phone"] = QueryKind.Text, ["email"] = QueryKind.Text };
        yield return Get(s, "/api/profiles/lookup", Caller.Admin) with { Query = subject };
        yield return Get(s, "/api/profiles/export", Caller.Admin) with { Query = subject };
        yield return Get(s, "/api/profiles/me/export", Caller.Member);
        yield return Get(s, "/api/profiles/outbox", Caller.Admin);
        yield return Get(s, "/api/profiles/audit", Caller.Admin) with { Lookup = true, Query = AuditQuery };
        yield return Post(s, "/api/profiles/merges/{mergeId:guid}/unmerge", Caller.Admin) with { Values = _ => new() { ["mergeId"] = Guid.NewGuid().ToString() } };
        yield return Post(s, "/api/profiles/regulations", Caller.Admin) with
        {
            Body = w => Json($$"""{"regulationType": "SUPPRESS_WITH_DELETE", "subjectType": "USER_ID", "subjectIds": ["bad-input-nobody-{{w.Tag}}"]}"""),
        };
        yield return Get(s, "/api/profiles/regulations/{regulationId}", Caller.Admin) with { Values = _ => new() { ["regulationId"] = "unknown" } };
        yield return Get(s, "/api/profiles/suppressions", Caller.Admin) with
        {
            Lookup = true, Query = new() { ["afterType"] = QueryKind.Text, ["afterValue"] = QueryKind.Text, ["limit"] = QueryKind.Integer },
        };
        var profile = (Func<BadInputWorld, Dictionary<string, string>>)(w => new() { ["space"] = "default", ["identifier"] = $"user_id:{w.MemberA}" });
        // There is one space: any space id reads it, as Segment's clients name their own.
        string[] anySpace = ["space"];
        const string profileApi = "/api/profiles/v1/spaces/{space}/collections/users/profiles/{identifier}";
        yield return Get(s, $"{profileApi}/traits", Caller.Admin) with
        {
            Values = profile, AnyPathValue = anySpace, Lookup = true,
            Query = new() { ["include"] = QueryKind.Text, ["limit"] = QueryKind.Integer, ["next"] = QueryKind.Text, ["class"] = QueryKind.Text, ["verbose"] = QueryKind.Boolean },
        };
        yield return Get(s, $"{profileApi}/events", Caller.Admin) with
        {
            Values = profile, AnyPathValue = anySpace, Lookup = true,
            Query = new()
            {
                ["limit"] = QueryKind.Integer, ["next"] = QueryKind.Text, ["sort"] = QueryKind.Text, ["include"] = QueryKind.Text, ["exclude"] = QueryKind.Text,
                ["start"] = QueryKind.Instant, ["end"] = QueryKind.Instant, ["type"] = QueryKind.Text,
            },
        };
        yield return Get(s, $"{profileApi}/external_ids", Caller.Admin) with
        {
            Values = profile, AnyPathValue = anySpace, Lookup = true, Query = new() { ["include"] = QueryKind.Text, ["limit"] = QueryKind.Integer, ["next"] = QueryKind.Text },
        };
        yield return Get(s, $"{profileApi}/metadata", Caller.Admin) with { Values = profile, AnyPathValue = anySpace };
        yield return Get(s, $"{profileApi}/links", Caller.Admin) with { Values = profile, AnyPathValue = anySpace, Lookup = true, Query = new() { ["limit"] = QueryKind.Integer } };
        yield return Get(s, "/api/profiles/{profileId:guid}/identity-decisions", Caller.Admin) with { Values = _ => new() { ["profileId"] = Guid.NewGuid().ToString() }, Lookup = true };
        yield return Get(s, "/api/profiles/{profileId:guid}/merges", Caller.Admin) with { Values = _ => new() { ["profileId"] = Guid.NewGuid().ToString() }, Lookup = true };
    }

    private static IEnumerable<EndpointSpec> Audiences()
    {
        const string s = "audiences";
        var page = new Dictionary<string, QueryKind> { ["limit"] = QueryKind.Integer, ["after"] = QueryKind.Guid };
        var history = new Dictionary<string, QueryKind> { ["limit"] = QueryKind.Integer, ["before"] = QueryKind.Integer };
        var audience = (Func<BadInputWorld, Dictionary<string, string>>)(w => new() { ["audience"] = w.AudienceKey });
        var definition = (Func<BadInputWorld, JsonObject>)(w => Json($$"""
            {"key": "{{w.AudienceKey}}", "name": "Bad input", "description": "Changed by bad input", "knownMembersOnly": false,
             "condition": {"and": [{"trait": "bad_input_tag", "operator": "equals", "value": "{{w.Tag}}"}, {"event": "Bad Input {{w.Tag}}", "within": "30d"}]} }
            """));
        yield return Get(s, "/api/audiences/", Caller.Admin);
        yield return Get(s, "/api/audiences/outbox", Caller.Admin);
        yield return Get(s, "/api/audiences/audit", Caller.Admin) with { Lookup = true, Query = AuditQuery };
        yield return Post(s, "/api/audiences/", Caller.Admin) with
        {
            Body = w => definition(w).Also(body => body["key"] = $"bad_input_new_{w.Tag}"), Optional = ["description", "knownMembersOnly", "condition.and[1].within"],
            AnyValue = ["condition.and[0].value"],
        };
        yield return Post(s, "/api/audiences/conditions/validate", Caller.Admin) with
        {
            Body = w => Json($$$"""{"condition": {"trait": "bad_input_tag", "operator": "equals", "value": "{{{w.Tag}}}"}}"""), AnyValue = ["condition.value"], Lookup = true,
        };
        yield return Post(s, "/api/audiences/conditions/evaluate", Caller.Admin) with
        {
            Body = w => Json($$$"""{"profileId": "{{{Guid.NewGuid()}}}", "condition": {"trait": "bad_input_tag", "operator": "equals", "value": "{{{w.Tag}}}"}}"""),
            AnyValue = ["condition.value"], Lookup = true,
        };
        yield return Post(s, "/api/audiences/preview", Caller.Admin) with
        {
            Body = w => Json($$"""{"condition": {"trait": "bad_input_tag", "operator": "equals", "value": "{{w.Tag}}"}, "sampleSize": 5, "knownMembersOnly": false}"""),
            Optional = ["sampleSize", "knownMembersOnly"], AnyValue = ["condition.value"], Lookup = true,
        };
        yield return Get(s, "/api/audiences/{audience}", Caller.Admin) with { Values = audience };
        yield return new EndpointSpec(s, "PUT", "/api/audiences/{audience}", Caller.Admin) with
        {
            Values = audience, Body = definition, Optional = ["key", "description", "knownMembersOnly", "condition.and[1].within"], AnyValue = ["condition.and[0].value"],
        };
        yield return new EndpointSpec(s, "DELETE", "/api/audiences/{audience}", Caller.Admin) with { Values = audience };
        yield return Post(s, "/api/audiences/{audience}/compute", Caller.Admin) with { Values = audience };
        yield return Get(s, "/api/audiences/{audience}/members", Caller.Admin) with { Values = audience, Query = page };
        yield return Get(s, "/api/audiences/{audience}/history", Caller.Admin) with { Values = audience, Query = history };
        yield return Get(s, "/api/audiences/{audience}/size-history", Caller.Admin) with { Values = audience, Query = new() { ["days"] = QueryKind.Integer } };
        yield return Get(s, "/api/audiences/profiles/{profile}", Caller.Admin) with { Values = w => new() { ["profile"] = $"user_id:{w.MemberA}" } };
        yield return Get(s, "/api/audiences/profiles/{profile}/history", Caller.Admin) with { Values = w => new() { ["profile"] = $"user_id:{w.MemberA}" }, Query = history };

        var trait = (Func<BadInputWorld, Dictionary<string, string>>)(w => new() { ["trait"] = w.TraitKey });
        var traitBody = (Func<BadInputWorld, JsonObject>)(w => Json($$"""
            {"key": "{{w.TraitKey}}", "name": "Bad input", "description": "Changed by bad input", "definition": {"kind": "counter", "event": "Bad Input Changed {{w.Tag}}", "within": "7d"} }
            """));
        yield return Get(s, "/api/audiences/trait-names/", Caller.Admin);
        yield return Get(s, "/api/audiences/computed-traits/", Caller.Admin);
        yield return Post(s, "/api/audiences/computed-traits/", Caller.Admin) with
        {
            Body = w => traitBody(w).Also(body => body["key"] = $"bad_input_new_trait_{w.Tag}"), Optional = ["description", "definition.within"],
        };
        yield return Get(s, "/api/audiences/computed-traits/{trait}", Caller.Admin) with { Values = trait };
        yield return new EndpointSpec(s, "PUT", "/api/audiences/computed-traits/{trait}", Caller.Admin) with { Values = trait, Body = traitBody, Optional = ["key", "description", "definition.within"] };
        yield return new EndpointSpec(s, "DELETE", "/api/audiences/computed-traits/{trait}", Caller.Admin) with { Values = trait };
        yield return Get(s, "/api/audiences/computed-traits/{trait}/values", Caller.Admin) with { Values = trait, Query = page };

        var model = (Func<BadInputWorld, Dictionary<string, string>>)(w => new() { ["model"] = w.ModelKey });
        var modelBody = (Func<BadInputWorld, JsonObject>)(w => Json($$"""
            {"key": "{{w.ModelKey}}", "name": "Bad input", "description": "Changed by bad input", "query": "SELECT 'bad-input-{{w.Tag}}' AS user_id, 2 AS n",
             "identifierColumn": "user_id", "identifierType": "user_id", "traitColumns": {"n": "bad_input_{{w.Tag}}"}, "schedule": "0 3 * * *",
             "timeoutSeconds": 30, "enabled": false}
            """));
        yield return Get(s, "/api/audiences/models/", Caller.Admin);
        yield return Post(s, "/api/audiences/models/", Caller.Admin) with
        {
            Body = w => modelBody(w).Also(body => body["key"] = $"bad_input_new_model_{w.Tag}"),
            Optional = ["description", "traitColumns", "schedule", "timeoutSeconds", "enabled"],
        };
        yield return Get(s, "/api/audiences/models/{model}", Caller.Admin) with { Values = model };
        yield return new EndpointSpec(s, "PUT", "/api/audiences/models/{model}", Caller.Admin) with
        {
            Values = model, Body = modelBody, Optional = ["key", "description", "identifierType", "traitColumns", "schedule", "timeoutSeconds", "enabled"],
        };
        yield return new EndpointSpec(s, "DELETE", "/api/audiences/models/{model}", Caller.Admin) with { Values = model };
        yield return Get(s, "/api/audiences/models/{model}/rows", Caller.Admin) with
        {
            Values = model, Lookup = true, Query = new() { ["limit"] = QueryKind.Integer, ["after"] = QueryKind.Text },
        };
        yield return Get(s, "/api/audiences/models/{model}/runs", Caller.Admin) with { Values = model, Query = new() { ["limit"] = QueryKind.Integer } };
        yield return Post(s, "/api/audiences/models/{model}/runs", Caller.Admin) with { Values = model };
        yield return Get(s, "/api/audiences/models/{model}/runs/{runId:guid}", Caller.Admin) with
        {
            Values = w => new() { ["model"] = w.ModelKey, ["runId"] = Guid.NewGuid().ToString() },
        };
    }

    private static IEnumerable<EndpointSpec> Messaging()
    {
        const string s = "messaging";
        yield return Get(s, "/api/messaging/outbox", Caller.Admin);
        yield return Get(s, "/api/messaging/audit", Caller.Admin) with { Lookup = true, Query = AuditQuery };
        var phone = (Func<BadInputWorld, Dictionary<string, string>>)(w => new() { ["phone"] = w.SparePhone });
        yield return Get(s, "/api/messaging/consent/{phone}", Caller.Admin) with { Values = phone, Lookup = true };
        yield return new EndpointSpec(s, "PUT", "/api/messaging/consent/{phone}", Caller.Admin) with
        {
            Values = phone, Body = _ => Json("""{"category": "marketing", "subscribed": true, "source": "bad input", "evidence": "Said yes"}"""), Optional = ["evidence"],
        };
        yield return Get(s, "/api/messaging/preferences/", Caller.Member);
        yield return new EndpointSpec(s, "PUT", "/api/messaging/preferences/", Caller.Member) with
        {
            Body = _ => Json("""{"marketing": true, "evidence": "Ticked the box"}"""), Optional = ["evidence"],
        };
        yield return Get(s, "/api/messaging/journeys/", Caller.Admin);
        yield return Post(s, "/api/messaging/journeys/", Caller.Admin) with
        {
            Body = w => Json(w.Journey()), Optional = ["delaySeconds", "entryPolicy", "category", "trigger.filters"], AnyValue = ["trigger.filters[0].value"],
        };
        var journey = (Func<BadInputWorld, Dictionary<string, string>>)(w => new() { ["id"] = w.JourneyId.ToString() });
        yield return Get(s, "/api/messaging/journeys/{id:guid}", Caller.Admin) with { Values = journey };
        yield return Post(s, "/api/messaging/journeys/{id:guid}/pause", Caller.Admin) with { Values = journey };
        yield return Post(s, "/api/messaging/journeys/{id:guid}/resume", Caller.Admin) with { Values = journey };
        yield return Post(s, "/api/messaging/journeys/{id:guid}/archive", Caller.Admin) with { Values = journey };
        yield return new EndpointSpec(s, "PUT", "/api/messaging/journeys/{id:guid}", Caller.Admin) with
        {
            Values = journey, Body = w => Json(w.Journey()), Optional = ["delaySeconds", "entryPolicy", "category", "trigger.filters"], AnyValue = ["trigger.filters[0].value"],
        };
        yield return Get(s, "/api/messaging/journeys/{id:guid}/entries", Caller.Admin) with
        {
            Values = journey, Lookup = true, Query = new() { ["userId"] = QueryKind.Text, ["profileId"] = QueryKind.Guid, ["limit"] = QueryKind.Integer },
        };
        yield return Post(s, "/api/messaging/journeys/test-send", Caller.Admin) with
        {
            Body = w => Json($$$"""{"template": "Hi {{ traits.firstName }}, a test", "to": "{{{w.SparePhone}}}"}"""),
        };
        yield return Get(s, "/api/messaging/messages/", Caller.Admin) with
        {
            Lookup = true,
            Query = new()
            {
                ["userId"] = QueryKind.Text, ["phone"] = QueryKind.Text, ["journeyId"] = QueryKind.Guid, ["status"] = QueryKind.Text, ["limit"] = QueryKind.Integer,
                ["before"] = QueryKind.Instant, ["from"] = QueryKind.Instant, ["to"] = QueryKind.Instant, ["cursor"] = QueryKind.Text,
            },
        };
        yield return Get(s, "/api/messaging/messages/totals", Caller.Admin) with
        {
            Lookup = true,
            Query = new()
            {
                ["userId"] = QueryKind.Text, ["phone"] = QueryKind.Text, ["journeyId"] = QueryKind.Guid, ["status"] = QueryKind.Text,
                ["from"] = QueryKind.Instant, ["to"] = QueryKind.Instant,
            },
        };
        yield return Get(s, "/api/messaging/messages/inbound", Caller.Admin) with
        {
            Lookup = true,
            Query = new()
            {
                ["userId"] = QueryKind.Text, ["phone"] = QueryKind.Text, ["from"] = QueryKind.Instant, ["to"] = QueryKind.Instant, ["cursor"] = QueryKind.Text,
                ["limit"] = QueryKind.Integer,
            },
        };
        yield return Post(s, "/api/messaging/messages/", Caller.Admin) with
        {
            Body = w => Json($$"""{"to": "{{w.SparePhone}}", "body": "Sent by bad input", "category": "transactional", "userId": "bad-input-user", "idempotencyKey": "bad-input-{{w.Tag}}"}"""),
            Optional = ["category", "userId", "idempotencyKey"],
        };
        yield return Get(s, "/api/messaging/messages/{id:guid}", Caller.Admin) with { Values = w => new() { ["id"] = w.MessageId.ToString() } };
        yield return Get(s, "/api/messaging/verify/{id:guid}", Caller.Anonymous) with { Values = _ => new() { ["id"] = Guid.NewGuid().ToString() } };
        yield return Get(s, "/api/messaging/members/{userId}/export", Caller.Admin) with
        {
            // An access request about someone Messaging never texted is an empty export, not an error.
            Values = w => new() { ["userId"] = w.MemberA }, Query = new() { ["phone"] = QueryKind.Text }, Lookup = true,
        };
        yield return Post(s, "/api/messaging/templates/preview", Caller.Admin) with { Body = _ => Json("""{"template": "Hi {{ first_name }}, your offer is ready."}""") };
        yield return Post(s, "/api/messaging/verify/start", Caller.Anonymous) with { Body = w => Json($$"""{"phone": "{{w.SparePhone}}"}""") };
        yield return Post(s, "/api/messaging/verify/check", Caller.Anonymous) with { Body = w => Json($$"""{"phone": "{{w.SparePhone}}", "code": "123456"}""") };
        yield return Post(s, "/webhooks/twilio/status", Caller.Twilio) with
        {
            Body = w => Json($$"""{"MessageSid": "SM{{w.Tag}}0000000000000000000000", "MessageStatus": "delivered", "ErrorCode": "", "To": "{{w.SparePhone}}"}"""),
            Optional = ["MessageStatus", "ErrorCode", "To"], AnyValue = ["MessageStatus", "ErrorCode", "To"],
        };
        yield return Post(s, "/webhooks/twilio/inbound", Caller.Twilio) with
        {
            Body = w => Json($$"""{"MessageSid": "SM{{w.Tag}}1111111111111111111111", "From": "{{w.SparePhone}}", "To": "+15005550006", "Body": "STOP"}"""),
            Optional = ["To", "Body"], AnyValue = ["To", "Body"],
        };
    }

    private static IEnumerable<EndpointSpec> Loyalty()
    {
        const string s = "loyalty";
        var memberA = (Func<BadInputWorld, Dictionary<string, string>>)(w => new() { ["memberId"] = w.MemberA });
        yield return Get(s, "/api/loyalty/outbox", Caller.Admin);
        yield return Get(s, "/api/loyalty/audit", Caller.Admin) with { Lookup = true, Query = AuditQuery };
        yield return Post(s, "/api/loyalty/members/", Caller.Admin) with
        {
            Body = w => Json($$"""
                {"phone": "{{w.SparePhone}}", "firstName": "Bad", "lastName": "Input", "email": "bad.input.{{w.Tag}}@example.com", "birthday": "1985-05-05",
                 "zip": "10001", "marketingConsent": true, "transactionalConsent": true, "consentWording": "Yes, text me.", "source": "portal"}
                """),
            Optional = ["email", "birthday", "zip", "transactionalConsent", "consentWording", "source"],
        };
        yield return Get(s, "/api/loyalty/members/lookup", Caller.Admin) with { Query = new() { ["phone"] = QueryKind.Text } };
        yield return Get(s, "/api/loyalty/members/{memberId}", Caller.Member) with { Values = memberA };
        yield return new EndpointSpec(s, "PATCH", "/api/loyalty/members/{memberId}", Caller.Member) with
        {
            Values = memberA, Body = _ => Json("""{"firstName": "Changed", "lastName": "By Bad Input", "email": "changed@example.com", "birthday": "1980-01-01", "zip": "10002"}"""),
            Optional = ["firstName", "lastName", "email", "birthday", "zip"],
        };
        yield return Post(s, "/api/loyalty/members/{memberId}/adjustments", Caller.Admin) with
        {
            Values = memberA, Body = w => Json($$"""{"adjustmentId": "bad-input-{{w.Tag}}", "points": 500, "reason": "Goodwill"}"""),
        };
        yield return Post(s, "/api/loyalty/members/{memberId}/check-ins/", Caller.Member) with
        {
            Values = memberA, Body = _ => Json($$"""{"providerId": "{{BadInputWorld.Provider}}"}"""),
        };
        yield return Get(s, "/api/loyalty/members/{memberId}/check-ins/", Caller.Member) with { Values = memberA };
        yield return Get(s, "/api/loyalty/members/{memberId}/export", Caller.Member) with { Values = memberA };
        yield return Get(s, "/api/loyalty/members/{memberId}/coupons", Caller.Member) with { Values = memberA };
        yield return Get(s, "/api/loyalty/members/{memberId}/offers", Caller.Member) with { Values = memberA };
        yield return Post(s, "/api/loyalty/members/{memberId}/offers/{offerId:guid}/coupon", Caller.Member) with
        {
            Values = w => new() { ["memberId"] = w.MemberA, ["offerId"] = w.OfferId.ToString() },
        };
        yield return Get(s, "/api/loyalty/members/{memberId}/points", Caller.Member) with { Values = memberA };
        yield return Get(s, "/api/loyalty/members/{memberId}/points/history", Caller.Member) with { Values = memberA, Query = new() { ["limit"] = QueryKind.Integer } };
        yield return Post(s, "/api/loyalty/members/{memberId}/redemptions", Caller.Member) with
        {
            Values = memberA, Body = w => Json($$"""{"redemptionId": "bad-input-{{w.Tag}}", "points": 1000, "providerId": "{{BadInputWorld.Provider}}"}"""),
        };

        var offer = (Func<BadInputWorld, JsonObject>)(w => Json($$"""
            {"title": "Bad input offer", "description": "Never offered", "value": 25, "products": ["juvederm"], "providerIds": ["{{BadInputWorld.Provider}}"],
             "audienceKey": "bad-input-nobody-{{w.Tag}}", "startsAt": "2030-01-01T00:00:00Z", "endsAt": "2030-02-01T00:00:00Z", "couponValidDays": 30}
            """));
        yield return Get(s, "/api/loyalty/offers", Caller.Admin);
        yield return Post(s, "/api/loyalty/offers", Caller.Admin) with
        {
            Body = offer, Optional = ["description", "products", "providerIds", "audienceKey", "startsAt", "couponValidDays"],
        };
        yield return Post(s, "/api/loyalty/flash-offers", Caller.Admin) with
        {
            Body = offer, Optional = ["description", "products", "audienceKey", "startsAt", "couponValidDays"],
        };
        var offerId = (Func<BadInputWorld, Dictionary<string, string>>)(w => new() { ["offerId"] = w.OfferId.ToString() });
        yield return Get(s, "/api/loyalty/offers/{offerId:guid}", Caller.Admin) with { Values = offerId };
        yield return Post(s, "/api/loyalty/offers/{offerId:guid}/deactivate", Caller.Admin) with { Values = offerId };
        yield return Post(s, "/api/loyalty/offers/{offerId:guid}/coupons", Caller.Admin) with { Values = offerId, Body = w => Json($$"""{"memberId": "{{w.MemberB}}"}""") };

        yield return Get(s, "/api/loyalty/providers/search", Caller.Admin) with
        {
            Lookup = true, Query = new() { ["zip"] = QueryKind.Text, ["radiusMiles"] = QueryKind.Number, ["product"] = QueryKind.Text, ["name"] = QueryKind.Text },
        };
        var provider = (Func<BadInputWorld, Dictionary<string, string>>)(_ => new() { ["providerId"] = BadInputWorld.Provider });
        yield return Get(s, "/api/loyalty/providers/{providerId}", Caller.Member) with { Values = provider };
        yield return Post(s, "/api/loyalty/providers/{providerId}/coupons/{code}/redemption", Caller.Provider) with
        {
            Values = w => new() { ["providerId"] = BadInputWorld.Provider, ["code"] = w.CouponCode }, Body = w => Json($$"""{"memberId": "{{w.MemberB}}"}"""),
        };
        yield return Get(s, "/api/loyalty/providers/{providerId}/members/", Caller.Provider) with { Values = provider, Query = new() { ["phone"] = QueryKind.Text } };
        yield return Post(s, "/api/loyalty/providers/{providerId}/members/", Caller.Provider) with
        {
            Values = provider, Body = w => Json($$"""{"phone": "{{w.SparePhone}}", "firstName": "Bad", "lastName": "Input"}"""), Optional = ["firstName", "lastName"],
        };
        yield return Post(s, "/api/loyalty/providers/{providerId}/purchases/", Caller.Provider) with
        {
            Values = provider,
            Body = w => Json($$"""{"purchaseId": "bad-input-new-{{w.Tag}}", "memberId": "{{w.MemberB}}", "treatments": [{"product": "botox-cosmetic", "amount": 300}], "purchasedAt": null}"""),
            Optional = ["purchasedAt"],
        };
        yield return Post(s, "/api/loyalty/providers/{providerId}/purchases/{purchaseId}/refund", Caller.Provider) with
        {
            Values = w => new() { ["providerId"] = BadInputWorld.Provider, ["purchaseId"] = $"bad-input-unknown-{w.Tag}" },
        };
        yield return Get(s, "/api/loyalty/rules/", Caller.Admin);
        yield return Post(s, "/api/loyalty/rules/promotions", Caller.Admin) with
        {
            Body = _ => Json("""{"name": "Bad input promotion", "products": ["kybella"], "multiplier": 3, "startsAt": "2030-01-01T00:00:00Z", "endsAt": "2030-01-02T00:00:00Z"}"""),
            Optional = ["products"],
        };
        yield return new EndpointSpec(s, "DELETE", "/api/loyalty/rules/promotions/{promotionId:guid}", Caller.Admin) with
        {
            Values = _ => new() { ["promotionId"] = Guid.NewGuid().ToString() },
        };
    }

    private static IEnumerable<EndpointSpec> Destinations()
    {
        const string s = "destinations";
        var destination = (Func<BadInputWorld, JsonObject>)(w => Json($$"""
            {"name": "Bad input {{w.Tag}}", "type": "webhook", "enabled": false,
             "settings": {"url": "http://127.0.0.1:9/bad-input", "headers": {"X-Team": "crm"}, "batchSize": 1, "batchWaitMs": 0},
             "consentCategories": ["analytics"], "filters": [{"action": "dropProperties", "properties": ["email"]}],
             "delivery": {"ordered": true, "concurrency": 2, "rateLimitPerSecond": 10, "retryWindowSeconds": 60, "timeoutMs": 1000} }
            """));
        string[] destinationOptional =
        [
            "enabled", "settings.headers", "settings.headers.X-Team", "settings.batchSize", "settings.batchWaitMs", "consentCategories", "filters", "delivery",
            "delivery.ordered", "delivery.concurrency", "delivery.rateLimitPerSecond", "delivery.retryWindowSeconds", "delivery.timeoutMs",
        ];
        var webhook = (Func<BadInputWorld, Dictionary<string, string>>)(w => new() { ["id"] = w.DestinationId.ToString() });
        var http = (Func<BadInputWorld, Dictionary<string, string>>)(w => new() { ["id"] = w.HttpDestinationId.ToString() });
        const string trigger = """{"event": "Bad Input", "where": [{"property": "step", "operator": "equals", "value": 1}]}""";
        const string request = """
            {"method": "POST", "url": "http://127.0.0.1:9/{{ event.event | url_encode }}", "headers": {"X-Step": "{{ event.properties.step }}"},
             "body": {"step": "{{ event.properties.step }}"}}
            """;
        var mapping = (Func<BadInputWorld, JsonObject>)(w => Json($$"""{"name": "Bad input {{w.Tag}}", "enabled": true, "trigger": {{trigger}}, "request": {{request}}}"""));
        string[] mappingOptional = ["enabled", "trigger.where", "request.method", "request.headers", "request.headers.X-Step", "request.body"];
        string[] mappingAnyValue = ["trigger.where[0].value", "request.body"];

        yield return Get(s, "/api/destinations/", Caller.Admin);
        yield return Post(s, "/api/destinations/", Caller.Admin) with { Body = destination, Optional = destinationOptional };
        yield return Get(s, "/api/destinations/outbox", Caller.Admin);
        yield return Get(s, "/api/destinations/samples", Caller.Admin) with { Lookup = true, Query = new() { ["source"] = QueryKind.Text, ["limit"] = QueryKind.Integer } };
        yield return Get(s, "/api/destinations/members/{userId}/export", Caller.Admin) with { Values = w => new() { ["userId"] = w.MemberA }, Lookup = true };
        yield return Get(s, "/api/destinations/audit", Caller.Admin) with { Lookup = true, Query = AuditQuery };
        yield return Get(s, "/api/destinations/{id:guid}", Caller.Admin) with { Values = webhook };
        yield return new EndpointSpec(s, "PUT", "/api/destinations/{id:guid}", Caller.Admin) with { Values = webhook, Body = destination, Optional = destinationOptional };
        yield return new EndpointSpec(s, "DELETE", "/api/destinations/{id:guid}", Caller.Admin) with { Values = webhook };
        yield return Post(s, "/api/destinations/{id:guid}/enable", Caller.Admin) with { Values = webhook };
        yield return Post(s, "/api/destinations/{id:guid}/disable", Caller.Admin) with { Values = webhook };
        yield return Post(s, "/api/destinations/{id:guid}/rotate-secret", Caller.Admin) with { Values = webhook };
        var source = (Func<BadInputWorld, Dictionary<string, string>>)(w => new() { ["id"] = w.DestinationId.ToString(), ["sourceId"] = w.SourceId });
        yield return new EndpointSpec(s, "PUT", "/api/destinations/{id:guid}/sources/{sourceId}", Caller.Admin) with { Values = source };
        yield return new EndpointSpec(s, "DELETE", "/api/destinations/{id:guid}/sources/{sourceId}", Caller.Admin) with { Values = source };

        yield return Get(s, "/api/destinations/{id:guid}/mappings", Caller.Admin) with { Values = http };
        yield return Post(s, "/api/destinations/{id:guid}/mappings", Caller.Admin) with { Values = http, Body = mapping, Optional = mappingOptional, AnyValue = mappingAnyValue };
        var saved = (Func<BadInputWorld, Dictionary<string, string>>)(w => new() { ["id"] = w.HttpDestinationId.ToString(), ["mappingId"] = w.MappingId.ToString() });
        yield return new EndpointSpec(s, "PUT", "/api/destinations/{id:guid}/mappings/{mappingId:guid}", Caller.Admin) with
        {
            Values = saved, Body = mapping, Optional = mappingOptional, AnyValue = mappingAnyValue,
        };
        yield return new EndpointSpec(s, "DELETE", "/api/destinations/{id:guid}/mappings/{mappingId:guid}", Caller.Admin) with { Values = saved };
        yield return Post(s, "/api/destinations/{id:guid}/mappings/test", Caller.Admin) with
        {
            Values = http,
            Body = w => Json($$"""
                {"trigger": {{trigger}}, "request": {{request}}, "send": false,
                 "event": {"type": "track", "event": "Bad Input", "userId": "bad-input-user", "messageId": "bad-input-{{w.Tag}}", "properties": {"step": 1} } }
                """),
            // Without a sample event, the newest one from the live stream is used; a saved mapping may be named instead of a trigger and a request.
            Optional = ["send", "event", "request.method", "request.headers", "request.headers.X-Step", "request.body", "trigger.where"],
            AnyValue = ["event", "trigger.where[0].value", "request.body"],
        };

        var sync = (Func<BadInputWorld, Dictionary<string, string>>)(w => new() { ["id"] = w.DestinationId.ToString(), ["syncId"] = w.SyncId.ToString() });
        yield return Get(s, "/api/destinations/{id:guid}/syncs/", Caller.Admin) with { Values = webhook };
        yield return Post(s, "/api/destinations/{id:guid}/syncs/", Caller.Admin) with
        {
            Values = webhook, Body = w => Json($$"""{"audience": "{{w.AudienceKey}}", "identify": true, "track": true}"""), Optional = ["identify", "track"],
        };
        yield return new EndpointSpec(s, "DELETE", "/api/destinations/{id:guid}/syncs/{syncId:guid}", Caller.Admin) with { Values = sync };
        yield return Post(s, "/api/destinations/{id:guid}/syncs/{syncId:guid}/backfill", Caller.Admin) with { Values = sync };

        var page = new Dictionary<string, QueryKind> { ["limit"] = QueryKind.Integer, ["before"] = QueryKind.Integer };
        yield return Get(s, "/api/destinations/{id:guid}/log", Caller.Admin) with
        {
            Values = webhook, Lookup = true, Query = new(page) { ["outcome"] = QueryKind.Text, ["messageId"] = QueryKind.Text },
        };
        yield return Get(s, "/api/destinations/{id:guid}/stats", Caller.Admin) with { Values = webhook, Query = new() { ["hours"] = QueryKind.Integer } };
        yield return Get(s, "/api/destinations/{id:guid}/deliveries", Caller.Admin) with { Values = webhook, Lookup = true, Query = new() { ["messageId"] = QueryKind.Text } };
        yield return Get(s, "/api/destinations/{id:guid}/dead-letters", Caller.Admin) with { Values = webhook, Lookup = true, Query = page };
        yield return Post(s, "/api/destinations/{id:guid}/dead-letters/replay", Caller.Admin) with { Values = webhook, Body = _ => Json("""{"ids": [1]}""") };
    }

    private static IEnumerable<EndpointSpec> Web()
    {
        const string s = "web";
        string[] pages =
        [
            "/", "/Error", "/check-in", "/console", "/console/audiences", "/console/audiences/new", "/console/audiences/{key}", "/console/computed-traits", "/console/dead-letters", "/console/destinations",
            "/console/journeys", "/console/journeys/new", "/console/messages", "/console/models", "/console/models/{key}", "/console/offers", "/console/profiles", "/console/sign-in",
            "/console/sign-out", "/console/setup", "/console/sources", "/console/sources/{id}/live", "/console/sources/{id}/plan",
            "/console/team/api-keys", "/console/team/audit", "/console/team/operators", "/console/account", "/console/sign-in/code", "/history", "/home", "/join",
            "/preferences", "/privacy", "/privacy/summary", "/providers", "/sign-in", "/sign-in/code", "/sign-in/texts-stopped", "/sign-out", "/wallet/{code}",
        ];
        foreach (var page in pages)
        {
            yield return new EndpointSpec(s, "PAGE", page, Caller.Browser) with
            {
                Values = w => new() { ["key"] = w.AudienceKey, ["id"] = w.SourceId, ["code"] = w.CouponCode },
            };
        }
        yield return new EndpointSpec(s, "PAGE", "/console/audiences/{key}/edit", Caller.Browser) with { Values = w => new() { ["key"] = w.AudienceKey } };
        yield return new EndpointSpec(s, "PAGE", "/console/destinations/{id:guid}", Caller.Browser) with { Values = w => new() { ["id"] = w.DestinationId.ToString() } };
        yield return new EndpointSpec(s, "PAGE", "/console/journeys/{id:guid}", Caller.Browser) with { Values = w => new() { ["id"] = w.JourneyId.ToString() } };
        yield return Get(s, "/console/sources/{id}/stream", Caller.Browser) with { Values = w => new() { ["id"] = w.SourceId } };
        yield return Get(s, "/sign-in/status/delivery", Caller.Browser);
        yield return Get(s, "/sign-in/status/texts", Caller.Browser);

        yield return Get(s, "/api/console/operators", Caller.Admin);
        yield return Post(s, "/api/console/operators", Caller.Admin) with
        {
            Body = w => Json($$"""{"email": "bad.input.{{w.Tag}}@example.com", "role": "analyst", "password": "a password long enough"}"""),
        };
        yield return new EndpointSpec(s, "PATCH", "/api/console/operators/{id:guid}", Caller.Admin) with
        {
            Values = _ => new() { ["id"] = Guid.NewGuid().ToString() }, Body = _ => Json("""{"role": "analyst", "disabled": false}"""), Optional = ["role", "disabled"],
        };
        yield return new EndpointSpec(s, "DELETE", "/api/console/operators/{id:guid}/second-factor", Caller.Admin) with { Values = _ => new() { ["id"] = Guid.NewGuid().ToString() } };
        yield return Get(s, "/api/console/api-keys", Caller.Admin);
        yield return Post(s, "/api/console/api-keys", Caller.Admin) with { Body = _ => Json("""{"name": "Bad input", "scopes": ["read", "analyst"]}""") };
        yield return new EndpointSpec(s, "DELETE", "/api/console/api-keys/{id:guid}", Caller.Admin) with { Values = _ => new() { ["id"] = Guid.NewGuid().ToString() } };
        yield return Get(s, "/api/console/audit", Caller.Admin) with { Lookup = true, Query = AuditQuery };
        yield return Post(s, "/internal/api-keys/exchange", Caller.Admin) with { Body = _ => Json("""{"key": "alle_0000"}""") };
    }

    private static JsonObject Also(this JsonObject body, Action<JsonObject> change)
    {
        change(body);
        return body;
    }
}
