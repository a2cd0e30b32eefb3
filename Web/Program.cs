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

// Pages answer errors with the error page; the JSON APIs (console, sign-in status, the gateway's key exchange) with
// problem documents, as every service does.
app.UseWhen(WebEndpoints.IsPage, pages => pages
    .UseExceptionHandler("/Error")
    .UseStatusCodePagesWithReExecute("/Error", "?status={0}"));
app.UseWhen(context => !WebEndpoints.IsPage(context), apis => apis
    .UseExceptionHandler()
    .UseStatusCodePages());
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
