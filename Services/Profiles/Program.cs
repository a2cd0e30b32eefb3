using Alle.Platform.OpenApi;
using Alle.Platform.Audit;
using Alle.Platform.DeadLetters;
using Alle.Profiles.Apis;
using Alle.Profiles.Extensions;
using Alle.Platform.Outbox;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
builder.AddApiDocumentation("Allē Profiles API",
    "Segment's Profile API (https://segment.com/docs/unify/profile-api/) over the unified profiles, identity lookups, merges and unmerges, and deletion regulations.");

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapDefaultEndpoints();
app.MapProfileApi();
app.MapLookupApi();
app.MapMergeApi();
app.MapRegulationsApi();
app.MapDeadLettersApi("/api/profiles");
app.MapOutboxApi("/api/profiles");
app.MapAuditLogApi("/api/profiles");

app.MapApiDocumentation("/api/profiles");

app.Run();
