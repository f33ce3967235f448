using System.Text.RegularExpressions;

namespace NormGen.Generators.Tests.Infrastructure;

/// <summary>The testing framework's diagnostic markup, <c>{|NG0004:span|}</c>, and the plain source under it.</summary>
internal static partial class Markup
{
    /// <summary>The source with every <c>{|ID:</c> and <c>|}</c> removed: what the user actually wrote.</summary>
    public static string Strip(string markup) => Closing().Replace(Opening().Replace(markup, ""), "");

    [GeneratedRegex(@"\{\|[^:|]*:")]
    private static partial Regex Opening();

    [GeneratedRegex(@"\|\}")]
    private static partial Regex Closing();
}
