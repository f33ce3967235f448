using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using NormGen.Analyzers.Helpers;

namespace NormGen.Analyzers.Rules;

/// <summary>
/// NGA014: a module with BatchNorm trained on batches of a known constant size below the configured
/// minimum (warning for one sample, info otherwise). The batch size comes from a tensor built with a
/// constant leading extent and passed to the module, from the <c>DataLoader</c> a training loop
/// iterates, or from the static batch extent of a NormGen layout.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SmallBatchBatchNormAnalyzer : DiagnosticAnalyzer
{
    /// <summary>.editorconfig key: the smallest batch size that is not reported.</summary>
    public const string MinimumBatchSizeOption = "normgen.nga014.minimum_batch_size";

    /// <summary>The smallest batch size that is not reported when the option is not set.</summary>
    public const int DefaultMinimumBatchSize = 8;

    /// <summary>The property holding the batch size.</summary>
    public const string BatchSizeProperty = "BatchSize";

    /// <summary>For a NormGen declaration, the property holding the group count of the GroupNorm that replaces it.</summary>
    public const string GroupsProperty = "Groups";

    /// <summary>The tensor factories whose size arguments start with the batch extent.</summary>
    private static readonly string[] TensorFactories = ["randn", "rand", "zeros", "ones", "empty", "full"];

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.SmallBatchBatchNorm);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            if (TorchSharpSymbols.TryCreate(start.Compilation) is { } torch)
            {
                var layers = new ModeDependentLayers(torch, start.Compilation);
                start.RegisterOperationAction(context => AnalyzeModuleCall(context, torch, layers), OperationKind.Invocation);
            }

            if (start.Compilation.GetTypeByMetadataName("NormGen.BatchNormAttribute") is { } batchNorm &&
                start.Compilation.GetTypeByMetadataName("NormGen.TensorLayoutAttribute") is { } tensorLayout)
            {
                start.RegisterOperationAction(context => AnalyzeAttribute(context, batchNorm, tensorLayout), OperationKind.Attribute);
            }
        });
    }

    private static void AnalyzeModuleCall(OperationAnalysisContext context, TorchSharpSymbols torch, ModeDependentLayers layers)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (!ModeSwitches.IsModuleCall(invocation, torch) ||
            invocation.Instance.ReferencedSymbol() is not { } module ||
            BatchSource(invocation, torch) is not (long size, IOperation source, string description))
        {
            return;
        }

        int minimum = MinimumBatchSize(context.Options, invocation.Syntax.SyntaxTree);
        if (size < 1 || size >= minimum)
        {
            return;
        }

        // Training only: evaluation of one sample at a time, under no_grad() or after eval(), is fine.
        IOperation body = ModeSwitches.BodyRoot(invocation);
        if (InferenceWithoutEvalAnalyzer.GradientFreeScope(invocation, torch) is not null ||
            ModeSwitches.LastBefore(body, module, invocation.Syntax.SpanStart, torch).Switch is ModeSwitch.Eval or ModeSwitch.Unknown ||
            !CallsBackward(body, torch))
        {
            return;
        }

        // One report per module and batch source: the first call.
        foreach (IOperation other in body.Descendants())
        {
            if (other is IInvocationOperation earlier &&
                earlier.Syntax.SpanStart < invocation.Syntax.SpanStart &&
                ModeSwitches.IsModuleCall(earlier, torch) &&
                SymbolEqualityComparer.Default.Equals(earlier.Instance.ReferencedSymbol(), module) &&
                BatchSource(earlier, torch) is (_, IOperation earlierSource, _) &&
                earlierSource.Syntax == source.Syntax)
            {
                return;
            }
        }

        ModeDependentLayers.Contents contents = layers.ContentsOf(module, invocation.SemanticModel!);
        if ((contents.Layers & ModeDependentLayer.BatchNorm) == 0)
        {
            return;
        }

        // The BatchNorm factory calls travel with the diagnostic for the code fix, after the batch source.
        var additional = new List<Location> { source.Syntax.GetLocation() };
        var seen = new HashSet<SyntaxNode>();
        foreach (IInvocationOperation batchNorm in contents.BatchNorms)
        {
            if (seen.Add(batchNorm.Syntax))
            {
                additional.Add(batchNorm.Syntax.GetLocation());
            }
        }

        Report(context, invocation.Syntax.GetLocation(), additional, $"'{invocation.Instance!.Syntax}'", size, description, minimum);
    }

    private static void AnalyzeAttribute(OperationAnalysisContext context, INamedTypeSymbol batchNorm, INamedTypeSymbol tensorLayout)
    {
        var attribute = (IAttributeOperation)context.Operation;
        if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass(), batchNorm) ||
            context.ContainingSymbol is not INamedTypeSymbol model)
        {
            return;
        }

        string? layout = attribute.NamedArgument("Layout")?.ConstantValue.Value as string;
        if (layout is null)
        {
            foreach (AttributeData data in model.GetAttributes())
            {
                if (SymbolEqualityComparer.Default.Equals(data.AttributeClass, tensorLayout) &&
                    data.ConstructorArguments.Length == 1)
                {
                    layout = data.ConstructorArguments[0].Value as string;
                }
            }
        }

        string channelAxis = attribute.NamedArgument("ChannelAxis")?.ConstantValue.Value as string ?? "C";

        // The batch axis is the first one; malformed layouts are the generator's to report.
        string[] batchAxis = (layout ?? string.Empty).Split(',')[0].Split('=');
        if (batchAxis.Length != 2 ||
            batchAxis[0].Trim() == channelAxis ||
            !long.TryParse(batchAxis[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long size))
        {
            return;
        }

        int minimum = MinimumBatchSize(context.Options, attribute.Syntax.SyntaxTree);
        if (size >= 1 && size < minimum)
        {
            // The channel count, for the group count of the GroupNorm the fix declares instead.
            long? channels = attribute.NamedArgument("Channels")?.ConstantInt64() is > 0 and var declared ? declared : null;
            foreach (string axis in layout!.Split(','))
            {
                string[] parts = axis.Split('=');
                if (parts.Length == 2 && parts[0].Trim() == channelAxis &&
                    long.TryParse(parts[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long extent))
                {
                    channels = extent;
                }
            }

            Report(
                context,
                attribute.Syntax.GetLocation(),
                [],
                $"'{model.Name}'",
                size,
                $"the static batch extent {batchAxis[0].Trim()}={size} of its layout",
                minimum,
                (GroupsProperty, GroupCounts.For(channels).ToString(CultureInfo.InvariantCulture)));
        }
    }

    private static void Report(OperationAnalysisContext context, Location location, List<Location> additional, string module, long size, string description, int minimum, (string Key, string Value)? property = null)
    {
        ImmutableDictionary<string, string?> properties = ImmutableDictionary<string, string?>.Empty.Add(BatchSizeProperty, size.ToString(CultureInfo.InvariantCulture));
        if (property is { } extra)
        {
            properties = properties.Add(extra.Key, extra.Value);
        }

        context.ReportDiagnostic(Diagnostic.Create(
            DiagnosticDescriptors.SmallBatchBatchNorm,
            location,
            size == 1 ? DiagnosticSeverity.Warning : DiagnosticSeverity.Info,
            additional,
            properties,
            module,
            size,
            description,
            size == 1
                ? "one sample has no batch statistics (BatchNorm1d refuses it and BatchNorm2d normalizes each channel over a single image); use GroupNorm or LayerNorm, or train on larger batches"
                : $"below {minimum} samples the batch statistics are too noisy to train with and the running statistics drift from what the model sees; use GroupNorm or LayerNorm, or larger batches"));
    }

    private static int MinimumBatchSize(AnalyzerOptions options, SyntaxTree tree) =>
        options.AnalyzerConfigOptionsProvider.GetOptions(tree).TryGetValue(MinimumBatchSizeOption, out string? text) &&
        int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int minimum) &&
        minimum >= 1
            ? minimum
            : DefaultMinimumBatchSize;

    /// <summary>
    /// The constant batch size of the first argument of a module call, where it was set and in
    /// words: a tensor built with a constant leading extent (directly or through a local assigned
    /// once), or the batches of a <c>DataLoader</c> the enclosing <c>foreach</c> iterates.
    /// </summary>
    private static (long Size, IOperation Source, string Description)? BatchSource(IInvocationOperation call, TorchSharpSymbols torch)
    {
        if (call.Arguments.Length > 0 &&
            Definition(call.Arguments[0].Value, call) is { } tensor &&
            LeadingExtent(tensor, torch) is { } extent)
        {
            return extent;
        }

        for (IOperation? current = call.Parent; current is not null; current = current.Parent)
        {
            if (current is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                return null;
            }

            if (current is IForEachLoopOperation loop &&
                Definition(loop.Collection, call) is { } collection &&
                LoaderBatchSize(collection) is { } batch)
            {
                return batch;
            }
        }

        return null;
    }

    /// <summary>The operation that produced a value: itself, or the initializer of a local that is never reassigned.</summary>
    private static IOperation? Definition(IOperation value, IOperation user)
    {
        value = value.WithoutConversions();
        if (value is not ILocalReferenceOperation { Local: { } local })
        {
            return value;
        }

        IOperation body = ModeSwitches.BodyRoot(user);
        IOperation? initializer = null;
        foreach (IOperation operation in body.Descendants())
        {
            if (operation is IAssignmentOperation { Target: ILocalReferenceOperation target } &&
                SymbolEqualityComparer.Default.Equals(target.Local, local))
            {
                return null;
            }

            if (operation is IVariableDeclaratorOperation declarator &&
                SymbolEqualityComparer.Default.Equals(declarator.Symbol, local))
            {
                initializer = declarator.GetVariableInitializer()?.Value.WithoutConversions();
            }
        }

        return initializer;
    }

    private static (long, IOperation, string)? LeadingExtent(IOperation tensor, TorchSharpSymbols torch)
    {
        if (tensor is not IInvocationOperation factory)
        {
            return null;
        }

        IMethodSymbol method = factory.TargetMethod;

        // x.unsqueeze(0): one sample made into a batch.
        if (method.Name == "unsqueeze" &&
            SymbolEqualityComparer.Default.Equals(method.ContainingType, torch.Tensor) &&
            factory.Arguments.Length == 1 &&
            factory.Arguments[0].Value.ConstantInt64() == 0)
        {
            return (1, factory, "a single sample made into a batch with unsqueeze(0)");
        }

        if (!SymbolEqualityComparer.Default.Equals(method.ContainingType, torch.Torch) ||
            Array.IndexOf(TensorFactories, method.Name) < 0 ||
            factory.Arguments.Length == 0 ||
            factory.Arguments[0] is not { Parameter: { } first } argument)
        {
            return null;
        }

        IOperation? extent = null;
        if (first.Type is IArrayTypeSymbol &&
            argument.Value.WithoutConversions() is IArrayCreationOperation { Initializer.ElementValues: { Length: >= 2 } elements })
        {
            extent = elements[0];
        }
        else if (first.Name is "rows" or "dim0")
        {
            // The overloads with one argument per extent; a single extent is a vector, not a batch.
            extent = argument.Value;
        }

        return extent?.ConstantInt64() is { } size
            ? (size, extent, $"a tensor from torch.{method.Name} whose leading extent is {size}")
            : null;
    }

    private static (long, IOperation, string)? LoaderBatchSize(IOperation collection)
    {
        (IMethodSymbol? method, ImmutableArray<IArgumentOperation> arguments) = collection switch
        {
            IInvocationOperation invocation => (invocation.TargetMethod, invocation.Arguments),
            IObjectCreationOperation creation => (creation.Constructor, creation.Arguments),
            _ => (null, default),
        };

        if (method is null ||
            (method.MethodKind == MethodKind.Constructor ? method.ContainingType.Name : method.Name) is not ("DataLoader" or "IterableDataLoader") ||
            method.ContainingType.ContainingNamespace?.ToDisplayString() is not "TorchSharp" and not "TorchSharp.Modules")
        {
            return null;
        }

        foreach (IArgumentOperation argument in arguments)
        {
            if (argument.Parameter?.Name == "batchSize" && argument.Value.ConstantInt64() is { } size)
            {
                return (size, argument.Value, $"the batchSize of the DataLoader it iterates is {size}");
            }
        }

        return null;
    }

    /// <summary>Whether the method runs a backward pass: the evidence that it trains.</summary>
    private static bool CallsBackward(IOperation body, TorchSharpSymbols torch)
    {
        foreach (IOperation operation in body.Descendants())
        {
            if (operation is IInvocationOperation { TargetMethod.Name: "backward" } invocation &&
                SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, torch.Tensor))
            {
                return true;
            }
        }

        return false;
    }
}
