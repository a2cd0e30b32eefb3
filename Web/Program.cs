using Alle.Web.Apis;
using Alle.Web.Extensions;
using Alle.Web.Services.Ingestion;
using Alle.Web.Tracking;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

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

app.Run();
