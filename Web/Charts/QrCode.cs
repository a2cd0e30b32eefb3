using Microsoft.AspNetCore.Html;
using QRCoder;

namespace Alle.Web.Charts;

/// <summary>A coupon code as a QR code, drawn on the server as inline SVG so the desk can scan it from the phone's screen.</summary>
public static class QrCode
{
    public static IHtmlContent Svg(string text, string label)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var svg = new SvgQRCode(data).GetGraphic(4, "#000000", "#ffffff", drawQuietZones: true, sizingMode: SvgQRCode.SizingMode.ViewBoxAttribute);
        return new HtmlString($"""<figure class="qr" role="img" aria-label="{System.Net.WebUtility.HtmlEncode(label)}">{svg}</figure>""");
    }
}
