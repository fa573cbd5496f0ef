using System.Globalization;
using System.Text.Json;

namespace FeaturePlatform.EventCenter.SourceDb.Images;

/// <summary>Values every CDC format writes alike: integers and doubles as numbers, GUIDs and text as strings.</summary>
internal static class SourceValueJson
{
    public static void WritePlain(Utf8JsonWriter json, object value)
    {
        switch (value)
        {
            case bool b:
                json.WriteBooleanValue(b);
                break;
            case byte or short or int or long or sbyte or ushort or uint:
                json.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong u:
                json.WriteNumberValue(u);
                break;
            case double d when double.IsFinite(d):
                json.WriteNumberValue(d);
                break;
            case float f when float.IsFinite(f):
                json.WriteRawValue(f.ToString("R", CultureInfo.InvariantCulture));
                break;
            case decimal m:
                json.WriteRawValue(m.ToString(CultureInfo.InvariantCulture));
                break;
            case Guid g:
                json.WriteStringValue(g);
                break;
            default:
                json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
