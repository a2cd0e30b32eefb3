using Alle.Ingestion.Apis;
using Alle.Ingestion.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapTrackingApi();
app.MapSourcesApi();
app.MapTrackingPlansApi();
app.MapLiveStreamApi();

app.Run();
