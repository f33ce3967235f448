using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NormGen.Analyzers.Rules;

namespace NormGen.Analyzers.CodeFixes;

/// <summary>NGA007: turns the bias off — sets an existing bias argument to <c>false</c>, or adds <c>bias: false</c>.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(BiasBeforeBatchNormCodeFixProvider))]
[Shared]
public sealed class BiasBeforeBatchNormCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("NGA007");

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax invocation ||
                !diagnostic.Properties.TryGetValue(BiasBeforeBatchNormAnalyzer.ParameterProperty, out string? parameter) ||
                parameter is null)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Use {parameter}: false",
                    token => TurnOffAsync(context.Document, invocation, parameter, token),
                    equivalenceKey: nameof(BiasBeforeBatchNormCodeFixProvider)),
                diagnostic);
        }
    }

    private static async Task<Document> TurnOffAsync(Document document, InvocationExpressionSyntax invocation, string parameter, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        SemanticModel model = (await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false))!;
        ExpressionSyntax falseLiteral = SyntaxFactory.LiteralExpression(SyntaxKind.FalseLiteralExpression);

        // An argument already written for the bias (named or positional): set it to false.
        if (model.GetOperation(invocation, cancellationToken) is Microsoft.CodeAnalysis.Operations.IInvocationOperation operation)
        {
            foreach (Microsoft.CodeAnalysis.Operations.IArgumentOperation argument in operation.Arguments)
            {
                if (argument.Parameter?.Name == parameter && argument.ArgumentKind != Microsoft.CodeAnalysis.Operations.ArgumentKind.DefaultValue && !argument.IsImplicit && argument.Syntax is ArgumentSyntax written)
                {
                    return document.WithSyntaxRoot(root.ReplaceNode(written.Expression, falseLiteral.WithTriviaFrom(written.Expression)));
                }
            }
        }

        ArgumentSyntax added = SyntaxFactory.Argument(falseLiteral)
            .WithNameColon(SyntaxFactory.NameColon(SyntaxFactory.IdentifierName(parameter)));
        ArgumentListSyntax arguments = invocation.ArgumentList;
        SeparatedSyntaxList<ArgumentSyntax> list = arguments.Arguments.Count == 0
            ? SyntaxFactory.SingletonSeparatedList(added)
            : SyntaxFactory.SeparatedList<ArgumentSyntax>(arguments.Arguments.GetWithSeparators()
                .Add(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space))
                .Add(added));
        return document.WithSyntaxRoot(root.ReplaceNode(arguments, arguments.WithArguments(list)));
    }
}
