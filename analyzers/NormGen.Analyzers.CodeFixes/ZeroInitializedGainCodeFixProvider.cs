using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NormGen.Analyzers.Rules;

namespace NormGen.Analyzers.CodeFixes;

/// <summary>
/// NGA004: initializes the gain to one instead: <c>zeros_</c> → <c>ones_</c>, a zero constant or fill
/// value → 1, <c>zero_()</c> → <c>fill_(1)</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ZeroInitializedGainCodeFixProvider))]
[Shared]
public sealed class ZeroInitializedGainCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("NGA004");

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax invocation ||
                !diagnostic.Properties.TryGetValue(ZeroInitializedGainAnalyzer.FormProperty, out string? form) ||
                Rewrite(invocation, form) is not { } replacement)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Initialize the gain to one",
                    token => Replace(context.Document, invocation, replacement, token),
                    equivalenceKey: nameof(ZeroInitializedGainCodeFixProvider)),
                diagnostic);
        }
    }

    private static async Task<Document> Replace(Document document, SyntaxNode node, SyntaxNode replacement, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        return document.WithSyntaxRoot(root.ReplaceNode(node, replacement));
    }

    private static InvocationExpressionSyntax? Rewrite(InvocationExpressionSyntax invocation, string? form)
    {
        switch (form)
        {
            case ZeroInitializedGainAnalyzer.ZerosForm:
                return RenameMethod(invocation, "ones_");

            case ZeroInitializedGainAnalyzer.ConstantForm:
            case ZeroInitializedGainAnalyzer.FillForm:
                // The zero is the value argument: the last one written.
                ArgumentSyntax? value = invocation.ArgumentList.Arguments.LastOrDefault();
                return value is null ? null : invocation.ReplaceNode(value.Expression, One(value.Expression));

            case ZeroInitializedGainAnalyzer.ZeroForm:
                InvocationExpressionSyntax? renamed = RenameMethod(invocation, "fill_");
                return renamed?.WithArgumentList(renamed.ArgumentList.WithArguments(
                    SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(
                        SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(1))))));

            default:
                return null;
        }
    }

    private static InvocationExpressionSyntax? RenameMethod(InvocationExpressionSyntax invocation, string name)
    {
        SimpleNameSyntax? current = invocation.Expression switch
        {
            MemberAccessExpressionSyntax access => access.Name,
            SimpleNameSyntax simple => simple,
            _ => null,
        };
        return current is null
            ? null
            : invocation.ReplaceNode(current, SyntaxFactory.IdentifierName(name).WithTriviaFrom(current));
    }

    /// <summary>A one in the same literal form as the zero it replaces (0 → 1, 0.0 → 1.0, 0f → 1f).</summary>
    private static ExpressionSyntax One(ExpressionSyntax zero)
    {
        string text = "1";
        if (zero is LiteralExpressionSyntax { Token.Text: var original })
        {
            string suffix = new string(original.Reverse().TakeWhile(char.IsLetter).Reverse().ToArray());
            text = (original.Contains('.') ? "1.0" : "1") + suffix;
        }

        return SyntaxFactory.ParseExpression(text).WithTriviaFrom(zero);
    }
}
