using Alle.Platform.OpenApi;
using Alle.Platform.Audit;
using Alle.Ingestion.Apis;
using Alle.Ingestion.Extensions;
using Alle.Platform.DeadLetters;
using Alle.Platform.Outbox;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
builder.AddApiDocumentation("Allē Ingestion API",
    "Segment's HTTP Tracking API (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/) for sources, and the admin API of sources, write keys, tracking plans and the live event stream.");

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapDefaultEndpoints();
app.MapTrackingApi();
app.MapSourcesApi();
app.MapTrackingPlansApi();
app.MapLiveStreamApi();
app.MapEventSchemaApi();
app.MapDeadLettersApi("/api/ingestion");
app.MapOutboxApi("/api/ingestion");
app.MapAuditLogApi("/api/ingestion");

app.MapApiDocumentation("/api/ingestion");

app.Run();
