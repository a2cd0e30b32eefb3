using Alle.Messaging.Apis;
using Alle.Messaging.Extensions;
using Alle.Platform.DeadLetters;
using Alle.Platform.Outbox;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapDefaultEndpoints();
app.MapVerifyApi();
app.MapMessagesApi();
app.MapConsentApi();
app.MapJourneysApi();
app.MapWebhooksApi();
app.MapPrivacyApi();
app.MapDeadLettersApi("/api/messaging");
app.MapOutboxApi("/api/messaging");

app.Run();
