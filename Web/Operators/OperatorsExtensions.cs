using Alle.Platform.Audit;
using Alle.Platform.Authentication;
using Alle.Platform.Migrations;

namespace Alle.Web.Operators;

public static class OperatorsExtensions
{
    /// <summary>
    /// Operator accounts, API keys and Web's own audit log (sign-ins, operators, keys) in <c>operatorsdb</c>, and the
    /// admin-key/operator-token scheme for Web's own admin API.
    /// </summary>
    public static void AddOperators(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource("operatorsdb");
        builder.AddDatabaseMigrations("operatorsdb", assembly: typeof(OperatorStore).Assembly, folder: "Operators.Migrations");
        builder.AddAuditLog("operatorsdb");
        builder.AddAdminKeyAuthentication();
        builder.Services.AddSingleton<OperatorStore>();
        builder.Services.AddSingleton<OperatorAccounts>();
        builder.Services.AddSingleton<ApiKeys>();
        builder.Services.AddScoped<SecondFactor>();
        builder.Services.AddSingleton(typeof(ProtectedCookie<>));
    }
}
