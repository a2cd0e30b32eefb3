using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Alle.IntegrationTests.BadInput;

/// <summary>What a bad request must get.</summary>
internal enum Expect
{
    /// <summary>A 4xx problem document.</summary>
    Refused,
    /// <summary>A query about something that does not exist: a 4xx problem document, or an empty 2xx answer.</summary>
    RefusedOrEmpty,
    /// <summary>Segment's Tracking API and Twilio's webhooks: 2xx (the event is rejected, the callback acknowledged) or a 4xx problem document.</summary>
    AcknowledgedOrRefused,
    /// <summary>A page: 4xx, or a redirect to sign in.</summary>
    PageRefused,
    /// <summary>A page asked with odd query or path values: anything but a server error.</summary>
    PageAnswered,
}

/// <param name="Direct">Sent to the service itself rather than through the gateway (which would refuse it first).</param>
/// <param name="TwilioFields">The form fields to sign as Twilio does, when the request is signed.</param>
internal sealed record BadRequest(EndpointSpec Endpoint, string Name, string Method, string Path, Caller Caller, byte[]? Body, string? ContentType, Expect Expect,
    bool Direct = false, string? TwilioSignatureOver = null, IReadOnlyDictionary<string, string>? TwilioFields = null)
{
    public override string ToString() => $"{Endpoint.Key} — {Name} ({Method} {(Path.Length > 160 ? Path[..160] + "…" : Path)}{(Direct ? ", direct" : "")})";
}

/// <summary>
/// The corpus: from each endpoint's intended use, the bad requests — malformed, truncated and empty JSON, roots of the
/// wrong kind, 1,000-level nesting, invalid UTF-8, raw control characters, NUL and lone surrogates, each member of the wrong type, null or missing, unknown members, wrong content types, a body over the gateway's
/// limit, unknown and hostile path values, query values of the wrong type, no or wrong credentials, and another
/// member's id with a member token.
/// </summary>
internal static class BadRequests
{
    /// <summary>Over the gateway's 4 MiB limit.</summary>
    public const int HugeBodyBytes = 5 * 1024 * 1024;

    private const string Marker = "\uE000bad-input\uE000";

    public static IEnumerable<BadRequest> For(EndpointSpec endpoint, BadInputWorld world)
    {
        if (endpoint.Page || endpoint.Caller == Caller.Browser)
        {
            return ForPage(endpoint, world);
        }
        return [.. Credentials(endpoint, world), .. PathValues(endpoint, world), .. QueryValues(endpoint, world),
            .. endpoint.Caller == Caller.Twilio ? TwilioForms(endpoint, world) : JsonBodies(endpoint, world)];
    }

    private static IEnumerable<BadRequest> Credentials(EndpointSpec endpoint, BadInputWorld world)
    {
        var path = PathOf(endpoint, world, endpoint.Values(world));
        var body = ValidBody(endpoint, world);
        BadRequest As(string name, Caller caller) => new(endpoint, name, endpoint.Method, path, caller, body, body is null ? null : "application/json", Expect.Refused);
        switch (endpoint.Caller)
        {
            case Caller.Admin or Caller.Provider:
                yield return As("no credentials", Caller.Anonymous);
                yield return As("a member's token instead of the key", Caller.Member);
                break;
            case Caller.Member:
                yield return As("no credentials", Caller.Anonymous);
                yield return As("a forged member token", Caller.ForgedMemberToken);
                if (endpoint.Route.Contains("{memberId}", StringComparison.Ordinal))
                {
                    var theirs = endpoint.Values(world);
                    theirs["memberId"] = world.MemberB;
                    yield return new BadRequest(endpoint, "another member's id with a member token", endpoint.Method, PathOf(endpoint, world, theirs), Caller.Member,
                        body, body is null ? null : "application/json", Expect.Refused);
                }
                break;
            case Caller.WriteKey:
                yield return As("an unknown write key", Caller.UnknownWriteKey);
                break;
            case Caller.Twilio:
                yield return new BadRequest(endpoint, "no signature", endpoint.Method, path, Caller.Anonymous, Encoding.UTF8.GetBytes(Form(FormFields(endpoint, world))),
                    "application/x-www-form-urlencoded", Expect.Refused);
                break;
        }
    }

    private static IEnumerable<BadRequest> PathValues(EndpointSpec endpoint, BadInputWorld world)
    {
        var body = ValidBody(endpoint, world);
        var expect = endpoint.Lookup ? Expect.RefusedOrEmpty : Expect.Refused;
        foreach (var parameter in Parameters(endpoint.Route).Where(p => !endpoint.AnyPathValue.Contains(p.Name)))
        {
            var unknown = parameter.Constraint == "guid" ? Guid.NewGuid().ToString() : $"bad-input-unknown-{world.Tag}";
            foreach (var (name, value) in new[] { ("an id that does not exist", unknown) }.Concat(HostileSegments))
            {
                var values = endpoint.Values(world);
                values[parameter.Name] = value;
                yield return new BadRequest(endpoint, $"{{{parameter.Name}}}: {name}", endpoint.Method, PathOf(endpoint, world, values, escaped: value != unknown), endpoint.Caller,
                    body, body is null ? null : "application/json", expect, TwilioFields: endpoint.Caller == Caller.Twilio ? FormFields(endpoint, world) : null);
            }
        }
    }

    /// <summary>Path segments as sent (already percent-encoded where they need to be).</summary>
    private static readonly (string Name, string Value)[] HostileSegments =
    [
        ("NUL", "%00"),
        ("invalid UTF-8", "%FF%FE"),
        ("a control character", "%01%1B"),
        ("3,000 characters", new string('x', 3000)),
        ("a lone surrogate, UTF-8 encoded", "%ED%A0%80"),
    ];

    private static IEnumerable<BadRequest> QueryValues(EndpointSpec endpoint, BadInputWorld world)
    {
        var path = PathOf(endpoint, world, endpoint.Values(world));
        foreach (var (parameter, kind) in endpoint.Query)
        {
            var values = kind switch
            {
                QueryKind.Integer => new[] { "abc", "1.5", "99999999999999999999", "%00" },
                QueryKind.Number => ["abc", "1e999", "%00"],
                QueryKind.Boolean => ["maybe", "2"],
                QueryKind.Guid => ["not-a-guid", "%00"],
                QueryKind.Instant => ["yesterday", "2024-13-45T99:00:00Z"],
                _ => ["%00", "%FF%FE", "%01", new string('x', 5000), "%ED%A0%80"],
            };
            foreach (var value in values)
            {
                // Text filters that match nothing answer an empty list; values of the wrong type are refused.
                var expect = kind == QueryKind.Text ? Expect.RefusedOrEmpty : Expect.Refused;
                yield return new BadRequest(endpoint, $"?{parameter}={(value.Length > 20 ? "(5,000 characters)" : value)}", endpoint.Method,
                    $"{path}?{parameter}={value}", endpoint.Caller, null, null, expect);
            }
        }
    }

    private static IEnumerable<BadRequest> JsonBodies(EndpointSpec endpoint, BadInputWorld world)
    {
        if (endpoint.Body is null)
        {
            yield break;
        }
        var path = PathOf(endpoint, world, endpoint.Values(world));
        var valid = endpoint.Body(world);
        var text = valid.ToJsonString();
        var expect = endpoint.SegmentTracking ? Expect.AcknowledgedOrRefused : Expect.Refused;
        BadRequest Raw(string name, byte[] body, string contentType = "application/json", Expect? expected = null, bool direct = false) =>
            new(endpoint, name, endpoint.Method, path, endpoint.Caller, body, contentType, expected ?? expect, direct);
        BadRequest Text(string name, string body, Expect? expected = null) => Raw(name, Encoding.UTF8.GetBytes(body), expected: expected);

        // Structure: whatever its members, a body that is not one JSON object is refused (Segment answers 400 too).
        yield return Raw("empty body", [], expected: Expect.Refused);
        yield return Text("malformed JSON", """{"name": "x",""", Expect.Refused);
        yield return Text("JSON with single quotes and bare names", "{name: 'x'}", Expect.Refused);
        yield return Text("not JSON at all", "hello, world", Expect.Refused);
        yield return Text("trailing garbage", text + "}}", Expect.Refused);
        yield return Text("truncated JSON", text[..(text.Length / 2)], Expect.Refused);
        foreach (var root in new[] { "[]", "\"text\"", "42", "null", "true" })
        {
            yield return Text($"a {root} root instead of an object", root, Expect.Refused);
        }
        yield return Text("1,000-level nested arrays", new string('[', 1000) + new string(']', 1000), Expect.Refused);
        yield return Text("1,000-level nested objects", string.Concat(Enumerable.Repeat("{\"a\":", 1000)) + "1" + new string('}', 1000), Expect.Refused);
        yield return Raw("invalid UTF-8 outside strings", [.. Encoding.UTF8.GetBytes(text[..^1]), 0xFF, 0xFE, (byte)'}'], expected: Expect.Refused);
        yield return Raw($"over the gateway's limit ({HugeBodyBytes / 1024 / 1024} MiB)", Huge(valid), expected: Expect.Refused);
        yield return Raw($"over the gateway's limit ({HugeBodyBytes / 1024 / 1024} MiB), sent to the service", Huge(valid), expected: Expect.Refused, direct: true);
        if (!endpoint.SegmentTracking)
        {
            // Segment's libraries post text/plain (analytics.js avoids a CORS preflight), so only the other APIs insist on JSON.
            yield return Raw("a JSON body labelled text/plain", Encoding.UTF8.GetBytes(text), "text/plain", Expect.Refused);
            yield return Raw("a form body", "name=x&value=1"u8.ToArray(), "application/x-www-form-urlencoded", Expect.Refused);
        }

        foreach (var (member, node) in Members(valid))
        {
            var anyValue = endpoint.AnyValue.Any(any => member == any || member.StartsWith(any + ".", StringComparison.Ordinal) || member.StartsWith(any + "[", StringComparison.Ordinal));
            var optional = endpoint.Optional.Contains(member) || anyValue;
            if (node is JsonValue value && value.TryGetValue<string>(out _))
            {
                yield return Raw($"{member}: invalid UTF-8", Replace(valid, member, Marker, [0xC3, 0x28, 0xFF, 0xFE]));
                yield return Raw($"{member}: raw control characters", Replace(valid, member, Marker, [0x01, 0x00, 0x1B]));
                yield return Raw($"{member}: NUL", Replace(valid, member, JsonValue.Create("bad\u0000input")));
                yield return Raw($"{member}: a lone surrogate", Replace(valid, member, Marker, "\\ud800"u8.ToArray()));
            }
            if (!anyValue)
            {
                foreach (var (name, wrong) in WrongTypes(node))
                {
                    yield return Raw($"{member}: {name}", Replace(valid, member, Marker, Encoding.UTF8.GetBytes(wrong), quoted: true));
                }
            }
            if (!optional)
            {
                yield return Raw($"{member}: null", Replace(valid, member, null));
                if (!member.EndsWith(']'))
                {
                    yield return Raw($"{member}: missing", Remove(valid, member));
                }
            }
            if (node is JsonObject && !anyValue && !endpoint.SegmentTracking)
            {
                yield return Raw($"{member}: an unknown member", Amend(valid, member, target => target!.AsObject()["unexpected"] = true));
            }
            if (node is JsonObject)
            {
                yield return Raw($"{member}: a member named with a NUL", Amend(valid, member, target => target!.AsObject()["bad\u0000name"] = 1));
            }
        }
        if (!endpoint.SegmentTracking)
        {
            yield return Raw("an unknown member", Serialize(((JsonObject)valid.DeepClone()).Also(body => body["unexpected"] = true)));
            yield return Raw("a misspelt member", Serialize(Misspell(valid)));
        }
        yield return Raw("a member named with a NUL", Serialize(((JsonObject)valid.DeepClone()).Also(body => body["bad\u0000name"] = 1)));
    }

    private static IEnumerable<BadRequest> TwilioForms(EndpointSpec endpoint, BadInputWorld world)
    {
        var path = PathOf(endpoint, world, endpoint.Values(world));
        var fields = FormFields(endpoint, world);
        BadRequest Signed(string name, IReadOnlyDictionary<string, string> form, string? raw = null, string contentType = "application/x-www-form-urlencoded") =>
            new(endpoint, name, endpoint.Method, path, Caller.Twilio, Encoding.UTF8.GetBytes(raw ?? Form(form)), contentType, Expect.Refused, TwilioFields: form);

        yield return Signed("a JSON body", fields, raw: "{\"MessageSid\": \"SM1\"}", contentType: "application/json");
        yield return Signed("an empty body", new Dictionary<string, string>(), raw: "");
        yield return Signed("malformed percent-encoding", fields, raw: Form(fields) + "&Broken=%Z1%");
        yield return new BadRequest(endpoint, "over the gateway's limit", endpoint.Method, path, Caller.Twilio, Encoding.UTF8.GetBytes(Form(fields) + "&Pad=" + new string('x', HugeBodyBytes)),
            "application/x-www-form-urlencoded", Expect.Refused, TwilioFields: fields);
        foreach (var field in fields.Keys)
        {
            if (endpoint.AnyValue.Contains(field))
            {
                continue;
            }
            yield return Signed($"{field}: NUL", With(fields, field, "bad\u0000input"));
            yield return Signed($"{field}: a control character", With(fields, field, "bad\u001binput"));
            if (!endpoint.Optional.Contains(field))
            {
                yield return Signed($"{field}: missing", fields.Where(f => f.Key != field).ToDictionary());
                yield return Signed($"{field}: empty", With(fields, field, ""));
            }
        }
    }

    private static IEnumerable<BadRequest> ForPage(EndpointSpec endpoint, BadInputWorld world)
    {
        var path = PathOf(endpoint, world, endpoint.Values(world));
        BadRequest Page(string name, string method, string target, byte[]? body, string? contentType, Expect expect) =>
            new(endpoint, name, method, target, Caller.Browser, body, contentType, expect);

        yield return Page("odd query values", "GET", $"{path}?handler=%FF%FE&status=%00&returnUrl=%01https://evil.example&q={new string('x', 3000)}", null, null, Expect.PageAnswered);
        foreach (var parameter in Parameters(endpoint.Route))
        {
            foreach (var (name, value) in HostileSegments)
            {
                var values = endpoint.Values(world);
                values[parameter.Name] = value;
                yield return Page($"{{{parameter.Name}}}: {name}", "GET", PathOf(endpoint, world, values, escaped: true), null, null, Expect.PageAnswered);
            }
        }
        if (endpoint.Method == "GET")
        {
            yield break;
        }
        // The error page is re-executed for failed requests of every method, so it shows itself to any.
        var refused = endpoint.Route == "/Error" ? Expect.PageAnswered : Expect.PageRefused;
        yield return Page("a form without an antiforgery token", "POST", path, "phone=%FF%00&adminKey=%01&understood=maybe"u8.ToArray(), "application/x-www-form-urlencoded", refused);
        yield return Page("a handler that does not exist, without an antiforgery token", "POST", $"{path}?handler=NoSuchHandler", "a=1"u8.ToArray(), "application/x-www-form-urlencoded", refused);
        yield return Page("malformed JSON", "POST", path, """{"phone": """u8.ToArray(), "application/json", refused);
        yield return Page("a multipart body without an antiforgery token", "POST", path, "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\u0000\r\n--x--\r\n"u8.ToArray(),
            "multipart/form-data; boundary=x", refused);
        yield return Page($"over the gateway's limit", "POST", path, Encoding.UTF8.GetBytes("a=" + new string('x', HugeBodyBytes)), "application/x-www-form-urlencoded", refused);
    }

    public static Dictionary<string, string> FormFields(EndpointSpec endpoint, BadInputWorld world) =>
        endpoint.Body!(world).ToDictionary(member => member.Key, member => member.Value!.GetValue<string>(), StringComparer.Ordinal);

    public static string Form(IEnumerable<KeyValuePair<string, string>> fields) =>
        string.Join('&', fields.Select(f => $"{Uri.EscapeDataString(f.Key)}={Uri.EscapeDataString(f.Value)}"));

    private static Dictionary<string, string> With(IReadOnlyDictionary<string, string> fields, string field, string value) =>
        fields.ToDictionary(f => f.Key, f => f.Key == field ? value : f.Value, StringComparer.Ordinal);

    private static byte[]? ValidBody(EndpointSpec endpoint, BadInputWorld world) => endpoint.Body is null || endpoint.Caller == Caller.Twilio
        ? null
        : Serialize(endpoint.Body(world));

    private static IEnumerable<(string Name, string Wrong)> WrongTypes(JsonNode? node) => node switch
    {
        JsonObject => [("a string instead of an object", "\"text\""), ("an array instead of an object", "[1]"), ("a number instead of an object", "7")],
        JsonArray => [("a string instead of an array", "\"text\""), ("an object instead of an array", "{}"), ("an array of nulls", "[null]"), ("an array of arrays", "[[]]")],
        JsonValue value when value.TryGetValue<string>(out _) => [("a number instead of a string", "42"), ("a boolean instead of a string", "true"),
            ("an object instead of a string", "{}"), ("an array instead of a string", "[\"text\"]"), ("1,000-level nesting instead of a string", new string('[', 1000) + new string(']', 1000))],
        JsonValue value when value.TryGetValue<bool>(out _) => [("a string instead of a boolean", "\"yes\""), ("a number instead of a boolean", "1")],
        JsonValue => [("a word instead of a number", "\"twelve\""), ("a number too large for any type", "1e400"), ("a number too large for an integer", "99999999999999999999"),
            ("a boolean instead of a number", "false"), ("an object instead of a number", "{}")],
        _ => [],
    };

    /// <summary>Every member and array element, by path (<c>a.b[0].c</c>), outermost first.</summary>
    private static IEnumerable<(string Path, JsonNode? Node)> Members(JsonNode node, string path = "")
    {
        switch (node)
        {
            case JsonObject members:
                foreach (var (name, value) in members)
                {
                    var child = path.Length == 0 ? name : $"{path}.{name}";
                    yield return (child, value);
                    if (value is not null)
                    {
                        foreach (var nested in Members(value, child))
                        {
                            yield return nested;
                        }
                    }
                }
                break;
            case JsonArray items:
                for (var i = 0; i < items.Count; i++)
                {
                    var child = $"{path}[{i.ToString(CultureInfo.InvariantCulture)}]";
                    yield return (child, items[i]);
                    if (items[i] is { } item)
                    {
                        foreach (var nested in Members(item, child))
                        {
                            yield return nested;
                        }
                    }
                }
                break;
        }
    }

    private static byte[] Replace(JsonObject valid, string path, JsonNode? value) => Serialize(Change(valid, path, null, value));

    /// <summary>The body with a member replaced by raw bytes: inside its string (<paramref name="quoted"/> false) or as the whole value.</summary>
    private static byte[] Replace(JsonObject valid, string path, string marker, byte[] raw, bool quoted = false)
    {
        var body = Serialize(Change(valid, path, null, JsonValue.Create(marker)));
        var markerBytes = Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(marker));
        var at = body.AsSpan().IndexOf(markerBytes);
        var (start, length) = quoted ? (at, markerBytes.Length) : (at + 1, markerBytes.Length - 2);
        return [.. body.AsSpan(0, start), .. raw, .. body.AsSpan(start + length)];
    }

    private static byte[] Remove(JsonObject valid, string path) => Serialize(Change(valid, path, parent =>
    {
        var (container, key) = parent;
        if (container is JsonObject members)
        {
            members.Remove((string)key);
        }
        else
        {
            ((JsonArray)container).RemoveAt((int)key);
        }
    }));

    private static byte[] Amend(JsonObject valid, string path, Action<JsonNode?> change)
    {
        var copy = (JsonObject)valid.DeepClone();
        var (container, key) = Locate(copy, path);
        change(container is JsonObject members ? members[(string)key] : ((JsonArray)container)[(int)key]);
        return Serialize(copy);
    }

    private static JsonObject Change(JsonObject valid, string path, Action<(JsonNode Container, object Key)>? change, JsonNode? value = null)
    {
        var copy = (JsonObject)valid.DeepClone();
        var location = Locate(copy, path);
        if (change is not null)
        {
            change(location);
        }
        else if (location.Container is JsonObject members)
        {
            members[(string)location.Key] = value;
        }
        else
        {
            ((JsonArray)location.Container)[(int)location.Key] = value;
        }
        return copy;
    }

    private static (JsonNode Container, object Key) Locate(JsonNode root, string path)
    {
        var steps = System.Text.RegularExpressions.Regex.Matches(path, @"([^.\[\]]+)|\[(\d+)\]")
            .Select(m => m.Groups[2].Success ? (object)int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) : m.Groups[1].Value).ToList();
        var container = root;
        foreach (var step in steps.SkipLast(1))
        {
            container = step is int index ? container[index]! : container[(string)step]!;
        }
        return (container, steps[^1]);
    }

    private static JsonObject Misspell(JsonObject valid)
    {
        var copy = new JsonObject();
        var first = true;
        foreach (var (name, value) in valid)
        {
            copy[first ? name + "x" : name] = value?.DeepClone();
            first = false;
        }
        return copy;
    }

    /// <summary>The valid body with its first string member stretched past the gateway's limit.</summary>
    private static byte[] Huge(JsonObject valid)
    {
        var copy = (JsonObject)valid.DeepClone();
        var member = Members(copy).FirstOrDefault(m => m.Node is JsonValue v && v.TryGetValue<string>(out _)).Path ?? "padding";
        var (container, key) = Locate(copy, member);
        var padding = JsonValue.Create(new string('x', HugeBodyBytes));
        if (container is JsonObject members)
        {
            members[(string)key] = padding;
        }
        else
        {
            ((JsonArray)container)[(int)key] = padding;
        }
        return Serialize(copy);
    }

    private static byte[] Serialize(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());

    public static string PathOf(EndpointSpec endpoint, BadInputWorld world, Dictionary<string, string> values, bool escaped = false)
    {
        var path = endpoint.Route;
        foreach (var parameter in Parameters(endpoint.Route))
        {
            var value = values.TryGetValue(parameter.Name, out var given) ? given : throw new InvalidOperationException($"{endpoint}: no value for {{{parameter.Name}}}.");
            path = path.Replace(parameter.Token, escaped ? value : Uri.EscapeDataString(value), StringComparison.Ordinal);
        }
        return path;
    }

    private static IEnumerable<(string Name, string? Constraint, string Token)> Parameters(string route) =>
        System.Text.RegularExpressions.Regex.Matches(route, @"\{(\w+)(?::(\w+))?\}").Select(m => (m.Groups[1].Value, m.Groups[2].Success ? m.Groups[2].Value : null, m.Value));

    private static JsonObject Also(this JsonObject body, Action<JsonObject> change)
    {
        change(body);
        return body;
    }
}
