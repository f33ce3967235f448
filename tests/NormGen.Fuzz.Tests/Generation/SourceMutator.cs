using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace NormGen.Fuzz.Tests.Generation;

/// <summary>
/// Random edits of a working program, of the kinds typing produces: a token deleted, duplicated or
/// swapped, a literal changed to an odd value, names crossed, arguments dropped, repeated, reordered
/// or added under odd names, braces and semicolons lost, the file cut short.
/// </summary>
internal sealed class SourceMutator(Random random)
{
    private static readonly string[] OddNumbers =
    [
        "0", "1", "-1", "2", "3", "7", "0.99", "0.5", "1e-12", "1e30", "-1e30", "1e-5", "0.0", "double.NaN", "double.PositiveInfinity",
        "float.NegativeInfinity", "long.MaxValue", "int.MinValue", "99999999999", "0x7fffffff", "1e400", "\"x\"", "null", "true", "1L", "1f",
    ];

    private static readonly string[] Punctuation = ["{", "}", ";", "(", ")", "[", "]", ",", "=", ".", "\"", "@", "/*", "=>", "?", ":", "<", ">", "!"];

    private static readonly string[] OddArguments =
    [
        "eps: double.NaN", "eps: 0", "eps: -1e-5", "eps: 1e-12", "momentum: 0.99", "momentum: double.PositiveInfinity", "momentum: null",
        "bias: true", "bias: false", "affine: false", "track_running_stats: false", "num_groups: 0", "num_channels: -3", "elementwise_affine: false",
        "dtype: ScalarType.Float16", "device: null", "weight_decay: 0.05", "lr: 1e-3", "batch_size: 1", "batch_size: 0", "shuffle: true",
        "unbiased: false", "keepdim: true", "dim: -1", "0", "1", "64", "new long[] { 64, 32, 32 }", "null", "default", "x", "(long)1e18",
    ];

    /// <summary>The program with one to four random edits.</summary>
    public string Mutate(string source)
    {
        int edits = 1 + random.Next(4);
        for (int i = 0; i < edits; i++)
        {
            source = random.Next(10) switch
            {
                0 or 1 or 2 => MutateArguments(source),
                3 or 4 => MutateLiteral(source),
                5 => CrossNames(source),
                6 or 7 => MutateToken(source),
                8 => InsertPunctuation(source),
                _ => random.Next(4) == 0 ? source[..random.Next(source.Length + 1)] : DeleteSpan(source),
            };
        }

        return source;
    }

    private string MutateArguments(string source)
    {
        SyntaxNode root = CSharpSyntaxTree.ParseText(source).GetRoot();
        List<ArgumentListSyntax> lists = root.DescendantNodes().OfType<ArgumentListSyntax>().ToList();
        if (lists.Count == 0)
        {
            return source;
        }

        ArgumentListSyntax list = lists[random.Next(lists.Count)];
        List<string> arguments = list.Arguments.Select(a => a.ToString()).ToList();
        switch (random.Next(5))
        {
            case 0 when arguments.Count > 0:
                arguments.RemoveAt(random.Next(arguments.Count));
                break;
            case 1 when arguments.Count > 0:
                arguments.Insert(random.Next(arguments.Count + 1), arguments[random.Next(arguments.Count)]);
                break;
            case 2:
                arguments = arguments.OrderBy(_ => random.Next()).ToList();
                break;
            case 3 when arguments.Count > 0:
                arguments[random.Next(arguments.Count)] = OddArguments[random.Next(OddArguments.Length)];
                break;
            default:
                arguments.Insert(random.Next(arguments.Count + 1), OddArguments[random.Next(OddArguments.Length)]);
                break;
        }

        return Splice(source, list.Span.Start, list.Span.Length, "(" + string.Join(", ", arguments) + ")");
    }

    private string MutateLiteral(string source)
    {
        List<SyntaxToken> literals = Tokens(source)
            .Where(t => t.IsKind(SyntaxKind.NumericLiteralToken) || t.IsKind(SyntaxKind.StringLiteralToken) || t.IsKind(SyntaxKind.TrueKeyword) || t.IsKind(SyntaxKind.FalseKeyword))
            .ToList();
        if (literals.Count == 0)
        {
            return source;
        }

        SyntaxToken literal = literals[random.Next(literals.Count)];
        string replacement = literal.IsKind(SyntaxKind.StringLiteralToken) && random.Next(2) == 0
            ? Pick(["\"\"", "\"C,H,W\"", "\"N,C,H,W\"", "\"D\"", "\"ünï\"", "null", "\"B,T,D=0\"", "\"X\""])
            : Pick(OddNumbers);
        return Splice(source, literal.Span.Start, literal.Span.Length, replacement);
    }

    private string CrossNames(string source)
    {
        List<SyntaxToken> names = Tokens(source).Where(t => t.IsKind(SyntaxKind.IdentifierToken)).ToList();
        if (names.Count < 2)
        {
            return source;
        }

        SyntaxToken target = names[random.Next(names.Count)];
        return Splice(source, target.Span.Start, target.Span.Length, names[random.Next(names.Count)].Text);
    }

    private string MutateToken(string source)
    {
        List<SyntaxToken> tokens = Tokens(source).Where(t => !t.IsKind(SyntaxKind.EndOfFileToken)).ToList();
        if (tokens.Count < 2)
        {
            return source;
        }

        int index = random.Next(tokens.Count - 1);
        SyntaxToken token = tokens[index];
        return random.Next(3) switch
        {
            0 => Splice(source, token.Span.Start, token.Span.Length, ""),
            1 => Splice(source, token.Span.End, 0, " " + token.Text),
            _ => Splice(source, token.Span.Start, tokens[index + 1].Span.End - token.Span.Start, tokens[index + 1].Text + " " + token.Text),
        };
    }

    private string InsertPunctuation(string source) => Splice(source, random.Next(source.Length + 1), 0, Pick(Punctuation));

    private string DeleteSpan(string source)
    {
        int start = random.Next(source.Length + 1);
        int length = Math.Min(source.Length - start, random.Next(1, 40));
        return Splice(source, start, length, "");
    }

    private static IEnumerable<SyntaxToken> Tokens(string source) => CSharpSyntaxTree.ParseText(source).GetRoot().DescendantTokens();

    private static string Splice(string source, int start, int length, string replacement) =>
        new StringBuilder(source, 0, start, source.Length + replacement.Length).Append(replacement).Append(source, start + length, source.Length - start - length).ToString();

    private string Pick(string[] choices) => choices[random.Next(choices.Length)];
}
