using Alle.Platform.OpenApi;
using Alle.Platform.Audit;
using Alle.Destinations.Apis;
using Alle.Destinations.Extensions;
using Alle.Platform.DeadLetters;
using Alle.Platform.Outbox;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
builder.AddApiDocumentation("Allē Destinations API",
    "Destinations (webhooks as Segment's Webhooks destination sends them, HTTP with mappings as Segment's Actions destinations), their filters, sources, audience and trait syncs, the delivery log and dead letters.");

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapDefaultEndpoints();

app.MapDestinationsApi();
app.MapMappingsApi();
app.MapSyncsApi();
app.MapDeliveryApi();
app.MapPrivacyApi();

app.MapOutboxApi("/api/destinations");
app.MapDeadLettersApi("/api/destinations");
app.MapAuditLogApi("/api/destinations");

app.MapApiDocumentation("/api/destinations");

app.Run();
