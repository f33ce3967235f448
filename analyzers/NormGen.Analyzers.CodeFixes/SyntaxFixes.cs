using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace NormGen.Analyzers.CodeFixes;

/// <summary>Small document edits the fixes share; each keeps the trivia of what it replaces.</summary>
internal static class SyntaxFixes
{
    /// <summary>Replaces an expression with a numeric or other literal written as <paramref name="text"/>.</summary>
    public static async Task<Document> ReplaceExpressionAsync(Document document, SyntaxNode node, string text, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        ExpressionSyntax replacement = SyntaxFactory.ParseExpression(text).WithTriviaFrom(node);
        return document.WithSyntaxRoot(root.ReplaceNode(node, replacement));
    }

    /// <summary>The expression a diagnostic points at (its span's innermost expression).</summary>
    public static ExpressionSyntax? FindExpression(SyntaxNode root, Microsoft.CodeAnalysis.Text.TextSpan span) =>
        root.FindNode(span, getInnermostNodeForTie: true) switch
        {
            ArgumentSyntax argument => argument.Expression,
            ExpressionSyntax expression => expression,
            _ => null,
        };
}
