using Alle.Platform.OpenApi;
using Alle.Platform.Audit;
using Alle.Messaging.Apis;
using Alle.Messaging.Extensions;
using Alle.Platform.DeadLetters;
using Alle.Platform.Outbox;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
builder.AddApiDocumentation("Allē Messaging API",
    "SMS through Twilio: one-time codes (verify), the message log, consent and preferences, journeys, Twilio's status and inbound webhooks, and a member's messaging data.");

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
app.MapAuditLogApi("/api/messaging");

app.MapApiDocumentation("/api/messaging");

app.Run();
