using Alle.Ingestion.Apis;
using Alle.Ingestion.Extensions;
using Alle.Platform.DeadLetters;
using Alle.Platform.Outbox;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapDefaultEndpoints();
app.MapTrackingApi();
app.MapSourcesApi();
app.MapTrackingPlansApi();
app.MapLiveStreamApi();
app.MapDeadLettersApi("/api/ingestion");
app.MapOutboxApi("/api/ingestion");

app.Run();
