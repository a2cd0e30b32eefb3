using Alle.Messaging.Apis;
using Alle.Messaging.Extensions;
using Alle.Platform.DeadLetters;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapVerifyApi();
app.MapMessagesApi();
app.MapConsentApi();
app.MapJourneysApi();
app.MapWebhooksApi();
app.MapDeadLettersApi("/api/messaging");

app.Run();
