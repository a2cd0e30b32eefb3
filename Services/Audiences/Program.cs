using Alle.Platform.OpenApi;
using Alle.Platform.Audit;
using Alle.Audiences.Apis;
using Alle.Audiences.Extensions;
using Alle.Platform.DeadLetters;
using Alle.Platform.Outbox;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
builder.AddApiDocumentation("Allē Audiences API",
    "Audiences and computed traits (definitions, previews, members), audience membership of a profile, and reverse-ETL models with their runs.");

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
app.MapTraitNamesApi();
app.MapDeadLettersApi("/api/audiences");
app.MapOutboxApi("/api/audiences");
app.MapAuditLogApi("/api/audiences");

app.MapApiDocumentation("/api/audiences");

app.Run();
