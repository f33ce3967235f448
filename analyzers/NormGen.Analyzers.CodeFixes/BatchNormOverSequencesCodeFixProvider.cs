using System.Collections.Generic;
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
using Microsoft.CodeAnalysis.Operations;

namespace NormGen.Analyzers.CodeFixes;

/// <summary>
/// NGA013: <c>nn.BatchNorm1d(d, eps: e, momentum: m)</c> → <c>nn.LayerNorm(d, eps: e)</c>: the feature
/// count and eps carry over; momentum and running-statistics settings have no LayerNorm counterpart.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(BatchNormOverSequencesCodeFixProvider))]
[Shared]
public sealed class BatchNormOverSequencesCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("NGA013");

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax invocation ||
                !await AcceptsLayerNormAsync(context.Document, invocation, context.CancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Use LayerNorm",
                    token => ReplaceAsync(context.Document, invocation, token),
                    equivalenceKey: nameof(BatchNormOverSequencesCodeFixProvider)),
                diagnostic);
        }
    }

    /// <summary>
    /// Whether the call's result can become a LayerNorm: it goes to a general module type (a
    /// Sequential argument, an nn.Module field), to a var, or to a declaration whose BatchNorm1d type
    /// the fix rewrites too. An assignment to a BatchNorm1d declared elsewhere gets no fix.
    /// </summary>
    private static async Task<bool> AcceptsLayerNormAsync(Document document, InvocationExpressionSyntax invocation, CancellationToken cancellationToken)
    {
        if (DeclaredType(invocation) is not null)
        {
            return true;
        }

        SemanticModel model = (await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false))!;
        TypeInfo info = model.GetTypeInfo(invocation, cancellationToken);
        return info.ConvertedType is { } target && info.Type is { } type &&
            !SymbolEqualityComparer.Default.Equals(target, type) &&
            target.Name != "BatchNorm1d" && target.Name != "BatchNorm";
    }

    /// <summary>The written type of the single-variable declaration this call initializes (<c>BatchNorm1d norm = ...</c>).</summary>
    private static TypeSyntax? DeclaredType(InvocationExpressionSyntax invocation) =>
        invocation.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1 } declaration } }
            ? declaration.Type
            : null;

    private static async Task<Document> ReplaceAsync(Document document, InvocationExpressionSyntax invocation, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        SemanticModel model = (await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false))!;
        if (model.GetOperation(invocation, cancellationToken) is not IInvocationOperation operation)
        {
            return document;
        }

        // Keep the arguments LayerNorm also has, written as they were, named after the first.
        var kept = new List<ArgumentSyntax>();
        foreach (IArgumentOperation argument in operation.Arguments)
        {
            if (argument.ArgumentKind == ArgumentKind.DefaultValue || argument.IsImplicit || argument.Syntax is not ArgumentSyntax written)
            {
                continue;
            }

            switch (argument.Parameter?.Name)
            {
                case "num_features":
                    kept.Insert(0, SyntaxFactory.Argument(written.Expression));
                    break;
                case "eps" or "device" or "dtype":
                    kept.Add(SyntaxFactory.Argument(written.Expression)
                        .WithNameColon(SyntaxFactory.NameColon(SyntaxFactory.IdentifierName(argument.Parameter!.Name))));
                    break;
            }
        }

        SimpleNameSyntax? name = invocation.Expression switch
        {
            MemberAccessExpressionSyntax access => access.Name,
            SimpleNameSyntax simple => simple,
            _ => null,
        };
        if (name is null)
        {
            return document;
        }

        InvocationExpressionSyntax replacement = invocation
            .ReplaceNode(name, SyntaxFactory.IdentifierName("LayerNorm").WithTriviaFrom(name));
        replacement = replacement.WithArgumentList(replacement.ArgumentList.WithArguments(
            SyntaxFactory.SeparatedList(kept, Enumerable.Repeat(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space), System.Math.Max(0, kept.Count - 1)))));
        replacement = replacement.WithTriviaFrom(invocation);

        // BatchNorm1d norm = nn.BatchNorm1d(...)  →  LayerNorm norm = nn.LayerNorm(...)
        if (DeclaredType(invocation) is { } type && model.GetTypeInfo(type, cancellationToken).Type?.Name == "BatchNorm1d")
        {
            SimpleNameSyntax typeName = type is QualifiedNameSyntax qualified ? qualified.Right : (SimpleNameSyntax)type;
            var declaration = (VariableDeclarationSyntax)type.Parent!;
            VariableDeclarationSyntax updated = declaration.ReplaceNodes(
                new SyntaxNode[] { typeName, invocation },
                (original, _) => original == typeName
                    ? SyntaxFactory.IdentifierName("LayerNorm").WithTriviaFrom(typeName)
                    : replacement);
            return document.WithSyntaxRoot(root.ReplaceNode(declaration, updated));
        }

        return document.WithSyntaxRoot(root.ReplaceNode(invocation, replacement));
    }
}
