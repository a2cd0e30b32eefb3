namespace Alle.Messaging.Consent;

/// <summary>What a keyword texted by a number does to its consent.</summary>
internal static class KeywordConsent
{
    /// <summary>Sources of opt-outs that a texted START undoes (the person's own STOP, or the carrier's record of it).</summary>
    private static readonly HashSet<string> s_textOptOutSources = ["keyword", "carrier"];

    /// <summary>
    /// STOP and its synonyms unsubscribe the number from everything. START, UNSTOP and YES resubscribe it to
    /// transactional texts, and to marketing only where a texted STOP had ended it: texting START is not consent to
    /// marketing the person never gave.
    /// </summary>
    public static IReadOnlyList<ConsentChange> ChangesFor(KeywordAction action, string phone, IReadOnlyList<ConsentRecord> current,
        string evidence, DateTimeOffset at, string dedupeKey)
    {
        switch (action)
        {
            case KeywordAction.OptOut:
                return [.. ConsentCategory.All.Select(category => new ConsentChange(phone, category, false, "keyword", evidence, at, $"{dedupeKey}:{category}"))];
            case KeywordAction.OptIn:
                var changes = new List<ConsentChange> { new(phone, ConsentCategory.Transactional, true, "keyword", evidence, at, $"{dedupeKey}:{ConsentCategory.Transactional}") };
                var marketing = current.FirstOrDefault(c => c.Category == ConsentCategory.Marketing);
                if (marketing is { Subscribed: false } && s_textOptOutSources.Contains(marketing.Source))
                {
                    changes.Add(new(phone, ConsentCategory.Marketing, true, "keyword", evidence, at, $"{dedupeKey}:{ConsentCategory.Marketing}"));
                }
                return changes;
            default:
                return [];
        }
    }
}
