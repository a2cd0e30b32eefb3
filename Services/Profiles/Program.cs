using Alle.Platform.DeadLetters;
using Alle.Profiles.Apis;
using Alle.Profiles.Extensions;
using Alle.Platform.Outbox;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapDefaultEndpoints();
app.MapProfileApi();
app.MapLookupApi();
app.MapMergeApi();
app.MapRegulationsApi();
app.MapDeadLettersApi("/api/profiles");
app.MapOutboxApi("/api/profiles");

app.Run();
