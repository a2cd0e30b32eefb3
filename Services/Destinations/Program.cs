using Alle.Destinations.Apis;
using Alle.Destinations.Extensions;
using Alle.Platform.Outbox;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapDefaultEndpoints();

app.MapDestinationsApi();
app.MapMappingsApi();
app.MapSyncsApi();
app.MapDeliveryApi();

app.MapOutboxApi("/api/destinations");

app.Run();
