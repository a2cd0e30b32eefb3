using Cronos;

namespace Alle.Audiences.ReverseEtl;

/// <summary>Model schedules: five-field cron expressions, in UTC.</summary>
internal static class ModelSchedule
{
    public static bool IsValid(string schedule) => CronExpression.TryParse(schedule, CronFormat.Standard, out _);

    public static DateTimeOffset? Next(string? schedule, DateTimeOffset after) =>
        schedule is not null && CronExpression.TryParse(schedule, CronFormat.Standard, out var expression)
        && expression.GetNextOccurrence(after.UtcDateTime, TimeZoneInfo.Utc) is { } next
            ? new DateTimeOffset(next, TimeSpan.Zero)
            : null;
}
