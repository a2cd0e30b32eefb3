using Alle.Platform.OpenApi;
using Alle.Web.Apis;
using Alle.Web.Extensions;
using Alle.Web.Services.Ingestion;
using Alle.Web.Tracking;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
builder.AddApiDocumentation("Allē Web API",
    "The few JSON endpoints of the member portal and operator console (sign-in status, the console's live event stream); the pages themselves are HTML.");

var app = builder.Build();

app.UseExceptionHandler("/Error");
app.UseStatusCodePagesWithReExecute("/Error", "?status={0}");
app.UseStaticFiles();
app.UseAnonymousId();
app.UseRouting();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();

app.MapDefaultEndpoints();
app.MapRazorPages();
app.MapConsoleStream();
app.MapSignInStatusApi();
app.MapOperatorsApi();

app.MapApiDocumentation("/api/web");

app.Run();
