using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NormGen.Analyzers.Rules;

namespace NormGen.Analyzers.CodeFixes;

/// <summary>
/// NGA002: rewrites a Keras momentum m as PyTorch's 1 − m: a literal becomes the converted literal
/// (0.99 → 0.01), anything else (a constant's name) becomes <c>1 - m</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(KerasMomentumCodeFixProvider))]
[Shared]
public sealed class KerasMomentumCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("NGA002");

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root is null ||
                !diagnostic.Properties.TryGetValue(KerasMomentumAnalyzer.ConvertedProperty, out string? converted) ||
                converted is null ||
                SyntaxFixes.FindExpression(root, diagnostic.Location.SourceSpan) is not { } expression)
            {
                continue;
            }

            string replacement = expression is LiteralExpressionSyntax
                ? converted
                : expression is IdentifierNameSyntax or MemberAccessExpressionSyntax
                    ? $"1 - {expression.WithoutTrivia()}"
                    : $"1 - ({expression.WithoutTrivia()})";
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Use momentum {converted} (PyTorch convention)",
                    token => SyntaxFixes.ReplaceExpressionAsync(context.Document, expression, replacement, token),
                    equivalenceKey: nameof(KerasMomentumCodeFixProvider)),
                diagnostic);
        }
    }
}
