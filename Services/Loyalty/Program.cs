using Alle.Platform.OpenApi;
using Alle.Platform.Audit;
using Alle.Loyalty.Apis;
using Alle.Loyalty.Extensions;
using Alle.Platform.DeadLetters;
using Alle.Platform.Outbox;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
builder.AddApiDocumentation("Allē Loyalty API",
    "The loyalty engine: members, points and tiers, offers and coupons, providers, check-ins and the rules that award points.");

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapDefaultEndpoints();

app.MapMembersApi();
app.MapPointsApi();
app.MapOffersApi();
app.MapProvidersApi();
app.MapCheckInsApi();
app.MapRulesApi();
app.MapDeadLettersApi("/api/loyalty");
app.MapOutboxApi("/api/loyalty");
app.MapAuditLogApi("/api/loyalty");

app.MapApiDocumentation("/api/loyalty");

app.Run();
