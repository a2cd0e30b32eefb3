namespace Alle.Ingestion.Storage;

internal static class IngestionDatabase
{
    /// <summary>Sources, the dedupe log, the outbox, rejections, suppressions, tracking plans and violations.</summary>
    public const string Name = "ingestiondb";
}

internal static class WarehouseDatabase
{
    /// <summary>Every accepted event in Segment's warehouse layout.</summary>
    public const string Name = "warehousedb";
}
