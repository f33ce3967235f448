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

    /// <summary>
    /// Inserts <paramref name="statementText"/> as a statement of its own before
    /// <paramref name="anchor"/> (which must sit in a block), on its own line at the anchor's indentation.
    /// </summary>
    public static async Task<Document> InsertStatementBeforeAsync(Document document, StatementSyntax anchor, string statementText, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        StatementSyntax statement = SyntaxFactory.ParseStatement(statementText)
            .WithLeadingTrivia(Indentation(anchor))
            .WithTrailingTrivia(EndOfLine(anchor));
        return document.WithSyntaxRoot(root.InsertNodesBefore(anchor, [statement]));
    }

    /// <summary>
    /// Inserts <paramref name="statementText"/> as the first statement of <paramref name="block"/>,
    /// indented like the block's first statement.
    /// </summary>
    public static async Task<Document> InsertFirstStatementAsync(Document document, BlockSyntax block, string statementText, CancellationToken cancellationToken)
    {
        if (block.Statements.Count > 0)
        {
            return await InsertStatementBeforeAsync(document, block.Statements[0], statementText, cancellationToken).ConfigureAwait(false);
        }

        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        StatementSyntax statement = SyntaxFactory.ParseStatement(statementText)
            .WithLeadingTrivia(SyntaxFactory.Whitespace(Indentation(block).ToFullString() + "    "))
            .WithTrailingTrivia(EndOfLine(block));
        return document.WithSyntaxRoot(root.ReplaceNode(block, block.AddStatements(statement)));
    }

    /// <summary>The whitespace that starts the node's line.</summary>
    private static SyntaxTriviaList Indentation(SyntaxNode node)
    {
        SyntaxTriviaList leading = node.GetLeadingTrivia();
        return leading.Count > 0 && leading[leading.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia)
            ? SyntaxFactory.TriviaList(leading[leading.Count - 1])
            : SyntaxTriviaList.Empty;
    }

    /// <summary>The line ending the document uses after <paramref name="node"/> (\n when it has none).</summary>
    private static SyntaxTrivia EndOfLine(SyntaxNode node)
    {
        foreach (SyntaxTrivia trivia in node.GetLastToken().TrailingTrivia)
        {
            if (trivia.IsKind(SyntaxKind.EndOfLineTrivia))
            {
                return trivia;
            }
        }

        return SyntaxFactory.EndOfLine("\n");
    }
}
