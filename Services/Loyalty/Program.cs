using Alle.Loyalty.Apis;
using Alle.Loyalty.Extensions;
using Alle.Platform.DeadLetters;
using Alle.Platform.Outbox;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

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

app.Run();
