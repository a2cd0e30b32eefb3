namespace Alle.Web.Pages.Shared;

/// <param name="FromBrowser">Preselect the browser's own zone (a new member has not chosen one yet).</param>
public sealed record TimeZoneField(string Id, string Name, string? Value, bool FromBrowser, string? Error = null);
