using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace NormGen.Analyzers.Helpers;

/// <summary>The layers of an <c>nn.Sequential(...)</c> call, in order.</summary>
internal static class SequentialLayers
{
    /// <summary>The factory call behind each module argument of <c>Sequential</c>, in order (null when not a factory call).</summary>
    public static List<IInvocationOperation?> Of(IInvocationOperation sequential)
    {
        var layers = new List<IInvocationOperation?>();
        foreach (IArgumentOperation argument in sequential.Arguments)
        {
            if (argument.Value.WithoutConversions() is IArrayCreationOperation { Initializer: { } initializer })
            {
                foreach (IOperation element in initializer.ElementValues)
                {
                    IOperation module = element.WithoutConversions();
                    if (module is ITupleOperation { Elements.Length: 2 } named)
                    {
                        module = named.Elements[1].WithoutConversions();
                    }

                    layers.Add(module as IInvocationOperation);
                }
            }
        }

        return layers;
    }
}
