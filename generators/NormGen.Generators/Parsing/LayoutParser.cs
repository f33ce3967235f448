using System.Collections.Generic;
using System.Globalization;

namespace NormGen.Generators.Parsing;

/// <summary>One axis of a parsed layout: its name and, when the layout gives one, its static extent.</summary>
internal readonly record struct LayoutAxis(string Name, int? Extent);

/// <summary>
/// Parses the axis lists of <c>[TensorLayout("N,C=64,H,W")]</c> and of <c>Axes = "C,H,W"</c>:
/// comma-separated identifiers, each optionally followed by <c>=extent</c> where extents are allowed.
/// </summary>
internal static class LayoutParser
{
    /// <summary>Parses <paramref name="text"/>; on failure returns <see langword="null"/> and says why in <paramref name="error"/>.</summary>
    public static List<LayoutAxis>? Parse(string? text, bool allowExtents, out string error)
    {
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "it names no axes";
            return null;
        }

        var axes = new List<LayoutAxis>();
        var seen = new HashSet<string>();
        foreach (string rawPart in text!.Split(','))
        {
            string part = rawPart.Trim();
            if (part.Length == 0)
            {
                error = "it has an empty axis name";
                return null;
            }

            string name = part;
            int? extent = null;
            int equals = part.IndexOf('=');
            if (equals >= 0)
            {
                name = part.Substring(0, equals).Trim();
                string extentText = part.Substring(equals + 1).Trim();
                if (!allowExtents)
                {
                    error = $"axis '{name}' carries an extent; give extents in Shape or in the layout";
                    return null;
                }

                if (!int.TryParse(extentText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
                {
                    error = $"the extent of axis '{name}' (\"{extentText}\") is not an integer";
                    return null;
                }

                if (value <= 0)
                {
                    error = $"axis '{name}' has extent {value}; extents must be positive";
                    return null;
                }

                extent = value;
            }

            if (!IsAxisName(name))
            {
                error = $"'{name}' is not an axis name (letters, digits and '_', not starting with a digit)";
                return null;
            }

            if (!seen.Add(name))
            {
                error = $"axis '{name}' appears twice";
                return null;
            }

            axes.Add(new LayoutAxis(name, extent));
        }

        return axes;
    }

    private static bool IsAxisName(string name)
    {
        if (name.Length == 0 || !(char.IsLetter(name[0]) || name[0] == '_'))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
