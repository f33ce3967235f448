using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NormGen.Analyzers.Rules;

namespace NormGen.Analyzers.CodeFixes;

/// <summary>NGA008: <c>(x.std(d, keepdim: true) + eps)</c> → <c>(x.var(d, unbiased: false, keepdim: true) + eps).sqrt()</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(HandWrittenLayerNormCodeFixProvider))]
[Shared]
public sealed class HandWrittenLayerNormCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("NGA008");

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            // Only when the denominator calls std() itself; a local holding it is left to the user.
            if (root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax sum ||
                !diagnostic.Properties.TryGetValue(HandWrittenLayerNormAnalyzer.ReplacementProperty, out string? replacement) ||
                replacement is null)
            {
                continue;
            }

            // (std + eps) loses its parentheses: the replacement brings its own.
            ExpressionSyntax target = sum.Parent is ParenthesizedExpressionSyntax parenthesized ? parenthesized : sum;
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Divide by sqrt(biased variance + eps), as LayerNorm does",
                    token => SyntaxFixes.ReplaceExpressionAsync(context.Document, target, replacement, token),
                    equivalenceKey: nameof(HandWrittenLayerNormCodeFixProvider)),
                diagnostic);
        }
    }
}
