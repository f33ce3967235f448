using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using NormGen.Analyzers.Helpers;
using NormGen.Analyzers.Rules;

namespace NormGen.Analyzers.CodeFixes;

/// <summary>
/// NGA014: replaces the model's BatchNorm layers with GroupNorm (a group count that divides the
/// channels), or with LayerNorm when they are all BatchNorm1d, and retypes the fields and locals
/// declared with a BatchNorm type; a NormGen <c>[BatchNorm]</c> declaration becomes a <c>[GroupNorm]</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SmallBatchBatchNormCodeFixProvider))]
[Shared]
public sealed class SmallBatchBatchNormCodeFixProvider : CodeFixProvider
{
    private enum Replacement
    {
        GroupNorm,
        LayerNorm,
    }

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create("NGA014");

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            // A NormGen [BatchNorm] declaration: becomes a [GroupNorm] with the group count the analyzer chose.
            if (root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is AttributeSyntax attribute)
            {
                if (diagnostic.Properties.TryGetValue(SmallBatchBatchNormAnalyzer.GroupsProperty, out string? groups) && groups is not null)
                {
                    context.RegisterCodeFix(
                        CodeAction.Create(
                            $"Declare a GroupNorm with {groups} groups",
                            token => ReplaceAttributeAsync(context.Document, attribute, groups, token),
                            equivalenceKey: nameof(Replacement.GroupNorm)),
                        diagnostic);
                }

                continue;
            }

            // The first additional location is the batch source; the others are the BatchNorm factory calls.
            Location[] batchNorms = diagnostic.AdditionalLocations.Skip(1).Where(l => l.IsInSource).ToArray();
            if (batchNorms.Length == 0)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Replace BatchNorm with GroupNorm",
                    token => ReplaceAsync(context.Document.Project.Solution, batchNorms, Replacement.GroupNorm, token),
                    equivalenceKey: nameof(Replacement.GroupNorm)),
                diagnostic);

            // LayerNorm over the last axis matches BatchNorm1d's [N, C] input only.
            if (await AllBatchNorm1dAsync(context.Document.Project.Solution, batchNorms, context.CancellationToken).ConfigureAwait(false))
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        "Replace BatchNorm1d with LayerNorm",
                        token => ReplaceAsync(context.Document.Project.Solution, batchNorms, Replacement.LayerNorm, token),
                        equivalenceKey: nameof(Replacement.LayerNorm)),
                    diagnostic);
            }
        }
    }

    /// <summary>
    /// <c>[BatchNorm("bn", Momentum = 0.01)]</c> → <c>[GroupNorm("bn", 32)]</c>: the properties only
    /// BatchNorm has (running statistics) are dropped, the shared ones (layout, eps, affine...) kept.
    /// </summary>
    private static async Task<Document> ReplaceAttributeAsync(Document document, AttributeSyntax attribute, string groups, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        NameSyntax name = attribute.Name switch
        {
            QualifiedNameSyntax qualified => qualified.WithRight(Renamed(qualified.Right)),
            SimpleNameSyntax simple => Renamed(simple),
            AliasQualifiedNameSyntax alias => alias.WithName(Renamed(alias.Name)),
            _ => attribute.Name,
        };

        var arguments = new List<AttributeArgumentSyntax>();
        foreach (AttributeArgumentSyntax argument in attribute.ArgumentList?.Arguments ?? default)
        {
            if (argument.NameEquals?.Name.Identifier.ValueText is "Momentum" or "CumulativeAverage" or "TrackRunningStats")
            {
                continue;
            }

            arguments.Add(argument);
            if (arguments.Count == 1 && argument.NameEquals is null)
            {
                arguments.Add(SyntaxFactory.AttributeArgument(SyntaxFactory.ParseExpression(groups)));
            }
        }

        AttributeSyntax replaced = attribute
            .WithName(name.WithTriviaFrom(attribute.Name))
            .WithArgumentList(SyntaxFactory.AttributeArgumentList(SyntaxFactory.SeparatedList(arguments, Enumerable.Repeat(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space), System.Math.Max(0, arguments.Count - 1)))));
        return document.WithSyntaxRoot(root.ReplaceNode(attribute, replaced));

        static SimpleNameSyntax Renamed(SimpleNameSyntax simple) =>
            SyntaxFactory.IdentifierName(simple.Identifier.ValueText.EndsWith("Attribute", System.StringComparison.Ordinal) ? "GroupNormAttribute" : "GroupNorm")
                .WithTriviaFrom(simple);
    }

    private static async Task<bool> AllBatchNorm1dAsync(Solution solution, Location[] batchNorms, CancellationToken cancellationToken)
    {
        foreach (Location location in batchNorms)
        {
            if (await FindAsync(solution, location, cancellationToken).ConfigureAwait(false) is not (_, _, IInvocationOperation { TargetMethod.Name: "BatchNorm1d" }))
            {
                return false;
            }
        }

        return true;
    }

    private static async Task<(Document, InvocationExpressionSyntax, IInvocationOperation)?> FindAsync(Solution solution, Location location, CancellationToken cancellationToken)
    {
        if (solution.GetDocument(location.SourceTree) is not { } document ||
            await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false) is not { } root ||
            root.FindNode(location.SourceSpan, getInnermostNodeForTie: true) is not InvocationExpressionSyntax invocation ||
            await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false) is not { } model ||
            model.GetOperation(invocation, cancellationToken) is not IInvocationOperation operation)
        {
            return null;
        }

        return (document, invocation, operation);
    }

    private static async Task<Solution> ReplaceAsync(Solution solution, Location[] batchNorms, Replacement replacement, CancellationToken cancellationToken)
    {
        var edits = new Dictionary<DocumentId, Dictionary<SyntaxNode, SyntaxNode>>();
        void Edit(Document document, SyntaxNode node, SyntaxNode replacementNode)
        {
            if (!edits.TryGetValue(document.Id, out Dictionary<SyntaxNode, SyntaxNode>? documentEdits))
            {
                edits[document.Id] = documentEdits = [];
            }

            documentEdits[node] = replacementNode;
        }

        foreach (Location location in batchNorms)
        {
            if (await FindAsync(solution, location, cancellationToken).ConfigureAwait(false) is not (Document document, InvocationExpressionSyntax invocation, IInvocationOperation operation))
            {
                continue;
            }

            string name = replacement.ToString();
            Edit(document, invocation, Rewrite(invocation, operation, replacement).WithTriviaFrom(invocation));

            // The field, property or local that holds the layer, when it is declared with a BatchNorm type.
            if (HolderType(operation) is { } holder &&
                solution.GetDocument(holder.SyntaxTree) is { } holderDocument)
            {
                Edit(holderDocument, holder, Retype(holder, name));
            }
        }

        foreach (KeyValuePair<DocumentId, Dictionary<SyntaxNode, SyntaxNode>> documentEdits in edits)
        {
            Document document = solution.GetDocument(documentEdits.Key)!;
            SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
            root = root.ReplaceNodes(documentEdits.Value.Keys, (original, _) => documentEdits.Value[original]);
            solution = solution.WithDocumentSyntaxRoot(document.Id, root);
        }

        return solution;
    }

    /// <summary><c>nn.BatchNorm2d(64, eps: 1e-3, momentum: 0.01)</c> → <c>nn.GroupNorm(32, 64, eps: 1e-3)</c> or <c>nn.LayerNorm(64, eps: 1e-3)</c>.</summary>
    private static ExpressionSyntax Rewrite(InvocationExpressionSyntax invocation, IInvocationOperation operation, Replacement replacement)
    {
        // momentum and track_running_stats have no counterpart: GroupNorm and LayerNorm keep no running statistics.
        var arguments = new List<string>();
        string? channels = null;
        foreach (IArgumentOperation argument in operation.Arguments)
        {
            if (argument.ArgumentKind == ArgumentKind.DefaultValue || argument.IsImplicit || argument.Syntax is not ArgumentSyntax written)
            {
                continue;
            }

            string value = written.Expression.ToFullString().Trim();
            switch (argument.Parameter?.Name)
            {
                case "features":
                case "num_features":
                    channels = value;
                    break;
                case "eps":
                    arguments.Add($"eps: {value}");
                    break;
                case "affine":
                    arguments.Add(replacement == Replacement.GroupNorm ? $"affine: {value}" : $"elementwise_affine: {value}");
                    break;
                case "device":
                case "dtype":
                    arguments.Add($"{argument.Parameter.Name}: {value}");
                    break;
            }
        }

        channels ??= operation.Arguments.Length > 0 && operation.Arguments[0].Syntax is ArgumentSyntax first ? first.Expression.ToFullString().Trim() : "1";
        if (replacement == Replacement.GroupNorm)
        {
            long? constant = operation.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 0)?.Value.ConstantInt64();
            arguments.Insert(0, channels);
            arguments.Insert(0, GroupCounts.For(constant).ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            arguments.Insert(0, channels);
        }

        string callee = invocation.Expression is MemberAccessExpressionSyntax access
            ? $"{access.Expression}.{replacement}"
            : replacement.ToString();
        return SyntaxFactory.ParseExpression($"{callee}({string.Join(", ", arguments)})");
    }

    /// <summary>The type syntax of the variable, field or property the BatchNorm is stored in, when that type names a BatchNorm.</summary>
    private static TypeSyntax? HolderType(IInvocationOperation operation)
    {
        IOperation? parent = operation.Parent;
        while (parent is IConversionOperation)
        {
            parent = parent.Parent;
        }

        ISymbol? holder = parent switch
        {
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
            IFieldInitializerOperation { InitializedFields: { Length: 1 } fields } => fields[0],
            IPropertyInitializerOperation { InitializedProperties: { Length: 1 } properties } => properties[0],
            ISimpleAssignmentOperation assignment => assignment.Target.ReferencedSymbol(),
            _ => null,
        };

        ITypeSymbol? type = holder switch
        {
            ILocalSymbol local => local.Type,
            IFieldSymbol field => field.Type,
            IPropertySymbol property => property.Type,
            _ => null,
        };

        if (type is null || !type.Name.StartsWith("BatchNorm", System.StringComparison.Ordinal))
        {
            return null;
        }

        foreach (SyntaxReference reference in holder!.DeclaringSyntaxReferences)
        {
            TypeSyntax? declared = reference.GetSyntax() switch
            {
                VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1 } declaration } => declaration.Type,
                PropertyDeclarationSyntax property => property.Type,
                _ => null,
            };

            if (declared is not null && !declared.IsVar)
            {
                return declared;
            }
        }

        return null;
    }

    private static SyntaxNode Retype(TypeSyntax type, string name)
    {
        SimpleNameSyntax renamed = SyntaxFactory.IdentifierName(name);
        TypeSyntax replacement = type switch
        {
            QualifiedNameSyntax qualified => qualified.WithRight(renamed),
            NullableTypeSyntax { ElementType: QualifiedNameSyntax qualified } nullable => nullable.WithElementType(qualified.WithRight(renamed)),
            NullableTypeSyntax nullable => nullable.WithElementType(renamed),
            _ => renamed,
        };

        return replacement.WithTriviaFrom(type);
    }
}
