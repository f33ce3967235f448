using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NormGen.Fuzz.Tests.Infrastructure;

namespace NormGen.Fuzz.Tests.Generation;

/// <summary>
/// The programs the mutations start from: every TorchSharp program and model declaration written out
/// in the analyzer and generator tests (the realistic training programs among them), with their
/// diagnostic markup removed.
/// </summary>
internal static partial class SeedCorpus
{
    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using TorchSharp;
        using TorchSharp.Modules;
        using NormGen;
        using static TorchSharp.torch;

        """;

    private static readonly Lazy<IReadOnlyList<string>> s_programs = new(Load);

    public static IReadOnlyList<string> Programs => s_programs.Value;

    private static IReadOnlyList<string> Load()
    {
        var programs = new SortedSet<string>(StringComparer.Ordinal);
        string[] folders =
        [
            Path.Combine(FuzzReferences.RepositoryRoot, "tests", "NormGen.Analyzers.Tests"),
            Path.Combine(FuzzReferences.RepositoryRoot, "tests", "NormGen.Generators.Tests"),
        ];
        foreach (string file in folders.SelectMany(folder => Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)))
        {
            SyntaxNode root = CSharpSyntaxTree.ParseText(File.ReadAllText(file)).GetRoot();
            foreach (SyntaxToken token in root.DescendantTokens().Where(t => t.IsKind(SyntaxKind.MultiLineRawStringLiteralToken)))
            {
                string text = Markup().Replace(token.ValueText, "").Replace("|}", "", StringComparison.Ordinal).Replace("[|", "", StringComparison.Ordinal).Replace("|]", "", StringComparison.Ordinal);
                if (text.Length < 120 || !(text.Contains("nn.", StringComparison.Ordinal) || text.Contains("Norm(", StringComparison.Ordinal)))
                {
                    continue;
                }

                programs.Add(text.Contains("using ", StringComparison.Ordinal) ? text : Usings + text);
            }
        }

        return programs.ToList();
    }

    [GeneratedRegex(@"\{\|[A-Za-z0-9#]+(:[A-Za-z0-9]+)?:")]
    private static partial Regex Markup();
}
