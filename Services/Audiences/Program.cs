using Alle.Audiences.Apis;
using Alle.Audiences.Extensions;
using Alle.Platform.DeadLetters;
using Alle.Platform.Outbox;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapDefaultEndpoints();
app.MapAudiencesApi();
app.MapMembershipApi();
app.MapConditionsApi();
app.MapComputedTraitsApi();
app.MapModelsApi();
app.MapModelRunsApi();
app.MapDeadLettersApi("/api/audiences");
app.MapOutboxApi("/api/audiences");

app.Run();
