using System.Text.Json;

namespace Alle.Web.Charts;

/// <summary>What a step does in a few words, for its box in the diagram: <c>for 2d</c>, <c>tier equals gold</c>, the text's start.</summary>
public static class JourneyStepSummary
{
    public static string? Describe(JsonElement step, int length)
    {
        var summary = Text(step, "type") switch
        {
            "wait" => Text(step, "until") is { } until ? $"until {until}" : Text(step, "duration") is { } duration ? $"for {duration}" : null,
            "wait_for" => Text(step, "event") is { } name ? $"{name}{(Text(step, "timeout") is { } timeout ? $", up to {timeout}" : "")}" : null,
            "split" => step.TryGetProperty("condition", out var condition) ? Condition(condition) : null,
            "random_split" when step.TryGetProperty("paths", out var paths) && paths.ValueKind == JsonValueKind.Array =>
                string.Join(" · ", paths.EnumerateArray().Where(path => path.ValueKind == JsonValueKind.Object)
                    .Select(path => $"{Text(path, "name")} {(path.TryGetProperty("weight", out var weight) ? weight.ToString() : "")}".Trim())),
            "issue_coupon" => Text(step, "offerIdProperty") is { } property ? $"offer in event.{property}" : Text(step, "offerId") is { } offer ? $"offer {offer}" : null,
            "send_sms" => Text(step, "template")?.ReplaceLineEndings(" "),
            "track" => Text(step, "event"),
            _ => null,
        };
        return summary is null || summary.Length <= length ? summary : string.Concat(summary.AsSpan(0, length - 1), "…");
    }

    private static string? Condition(JsonElement condition)
    {
        if (condition.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        foreach (var group in new[] { "and", "or" })
        {
            if (condition.TryGetProperty(group, out var clauses) && clauses.ValueKind == JsonValueKind.Array)
            {
                return $"{(group == "and" ? "all" : "any")} of {clauses.GetArrayLength()} conditions";
            }
        }
        if (condition.TryGetProperty("not", out var negated))
        {
            return $"not {Condition(negated)}";
        }
        if (Text(condition, "audience") is { } audience)
        {
            return $"in {audience}";
        }
        if (Text(condition, "event") is { } name)
        {
            return $"did {name}";
        }
        var key = Text(condition, "trait") ?? Text(condition, "computedTrait") ?? Text(condition, "model");
        var value = condition.TryGetProperty("value", out var v) ? (v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText()) : null;
        return key is null ? null : $"{key} {Text(condition, "operator")} {value}".Trim();
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
