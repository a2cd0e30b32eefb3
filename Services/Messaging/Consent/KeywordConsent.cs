namespace Alle.Messaging.Consent;

/// <summary>What a keyword texted by a number does to its consent.</summary>
internal static class KeywordConsent
{
    /// <summary>Sources of opt-outs that a texted START undoes (the person's own STOP, or the carrier's record of it).</summary>
    private static readonly HashSet<string> s_textOptOutSources = ["keyword", "carrier"];

    /// <summary>
    /// STOP and its synonyms unsubscribe the number from everything. START, UNSTOP and YES resubscribe it to
    /// transactional texts, and to marketing only where a texted STOP (or the carrier's record of one) ended a marketing
    /// subscription that was on: texting START is not consent to marketing the person never gave or had turned off.
    /// </summary>
    /// <param name="marketingHistory">The number's marketing consent changes, newest first.</param>
    public static IReadOnlyList<ConsentChange> ChangesFor(KeywordAction action, string phone, IReadOnlyList<ConsentAuditEntry> marketingHistory,
        string evidence, DateTimeOffset at, string dedupeKey)
    {
        switch (action)
        {
            case KeywordAction.OptOut:
                return [.. ConsentCategory.All.Select(category => new ConsentChange(phone, category, false, "keyword", evidence, at, $"{dedupeKey}:{category}"))];
            case KeywordAction.OptIn:
                var changes = new List<ConsentChange> { new(phone, ConsentCategory.Transactional, true, "keyword", evidence, at, $"{dedupeKey}:{ConsentCategory.Transactional}") };
                if (MarketingEndedByText(marketingHistory))
                {
                    changes.Add(new(phone, ConsentCategory.Marketing, true, "keyword", evidence, at, $"{dedupeKey}:{ConsentCategory.Marketing}"));
                }
                return changes;
            default:
                return [];
        }
    }

    /// <summary>True when marketing is off because of texted opt-outs and was on just before them.</summary>
    private static bool MarketingEndedByText(IReadOnlyList<ConsentAuditEntry> newestFirst)
    {
        var textOptOuts = newestFirst.TakeWhile(e => !e.Subscribed && s_textOptOutSources.Contains(e.Source)).Count();
        return textOptOuts > 0 && newestFirst.Skip(textOptOuts).FirstOrDefault() is { Subscribed: true };
    }
}
