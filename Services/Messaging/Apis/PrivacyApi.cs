using Alle.Platform.Authorization;
using Alle.Messaging.Consent;
using Alle.Messaging.Journeys;
using Alle.Messaging.Privacy;
using Alle.Messaging.Sending;
using Alle.Platform.Authentication;
using Alle.Platform.Identifiers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Messaging.Apis;

/// <summary>
/// A member's access request (admin key: the portal asks on her behalf, naming the user id from her session), and the
/// console's template preview: a template's final text after smart encoding, its encoding and segments.
/// </summary>
internal static class PrivacyApi
{
    public static void MapPrivacyApi(this IEndpointRouteBuilder app)
    {
        // A member's whole record, unmasked: only for those who may read personal data.
        app.MapGet("/api/messaging/members/{userId}/export", Export).WithSummary("A member's messaging data: consent records with their evidence, messages sent (codes masked), journey entries").RequirePermission(Permissions.MembersWrite, read: Permissions.PersonalDataRead);
        app.MapPost("/api/messaging/templates/preview", Preview).WithSummary("Preview a template: the final text after smart encoding, its encoding and segment count").RequirePermission(Permissions.MessagesWrite);
    }

    private static async Task<Results<Ok<MessagingExport>, ValidationProblem>> Export(string userId, PersonalDataExport export, PhoneNumberNormalizer phoneNumbers,
        CancellationToken cancellationToken, string? phone = null)
    {
        if (string.IsNullOrWhiteSpace(userId) || userId.Length > 200 || userId.Any(char.IsControl))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["userId"] = ["A user id of at most 200 characters, without control characters."] });
        }
        string[] phones = [];
        if (phone is not null)
        {
            if (phoneNumbers.ToE164(phone) is not { } normalized)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["phone"] = ["Not a phone number."] });
            }
            phones = [normalized];
        }
        return TypedResults.Ok(await export.ExportAsync(userId, phones, cancellationToken));
    }

    private static Results<Ok<TemplatePreview>, ValidationProblem> Preview(PreviewRequest? request)
    {
        if (string.IsNullOrWhiteSpace(request?.Template) || request.Template.Length > 1600)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["template"] = ["A template of at most 1600 characters."] });
        }
        if (!JourneyTemplate.TryParse(request.Template, out var error))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["template"] = [$"Not a valid template: {error}"] });
        }
        var rendered = JourneyTemplate.Render(request.Template, SampleData.Traits, SampleData.Coupon, SampleData.Event, SampleData.UserId);
        var encoded = SmartEncoding.Apply(rendered);
        return TypedResults.Ok(new TemplatePreview(rendered, encoded.Text, encoded.Count.Encoding, encoded.Count.Segments, encoded.Count.Units, encoded.Replaced));
    }

    internal sealed record PreviewRequest(string? Template);

    /// <param name="Rendered">The template with the sample member's values.</param>
    /// <param name="Text">What goes out: the rendered text after smart encoding.</param>
    internal sealed record TemplatePreview(string Rendered, string Text, string Encoding, int Segments, int Units, int Replaced);
}
