namespace Alle.Ingestion.Tracking;

/// <summary>
/// Segment's timestamp rules: the client's time is kept as <c>originalTimestamp</c>; when the client also says when it
/// sent the call (<c>sentAt</c>), the device clock's error is removed: <c>timestamp = receivedAt - (sentAt - originalTimestamp)</c>.
/// Without a client time the event happened when it was received.
/// </summary>
internal static class ClockSkew
{
    public static DateTimeOffset CorrectedTimestamp(DateTimeOffset receivedAt, DateTimeOffset? originalTimestamp, DateTimeOffset? sentAt) =>
        (originalTimestamp, sentAt) switch
        {
            ({ } original, { } sent) => receivedAt - (sent - original),
            ({ } original, null) => original,
            _ => receivedAt,
        };
}
