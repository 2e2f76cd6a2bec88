namespace Cajal.Nn;

/// <summary>Applies its modules in order, each to the previous one's output.</summary>
/// <remarks>Children are named "0", "1", …, so parameters are <c>0.weight</c>, <c>2.bias</c>, … as in PyTorch.</remarks>
public sealed class Sequential : Module, IEnumerable<Module>
{
    private readonly List<Module> _modules;

    /// <summary>Creates the container from modules applied in the given order.</summary>
    public Sequential(params Module[] modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        _modules = [.. modules];
    }

    /// <summary>The number of modules.</summary>
    public int Count => _modules.Count;

    /// <summary>The module at <paramref name="index"/>.</summary>
    public Module this[int index] => _modules[index];

    /// <summary>Appends a module; returns this.</summary>
    public Sequential Add(Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        _modules.Add(module);
        return this;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <para>A <see cref="Linear"/> or <see cref="Conv2d"/> followed by a <see cref="ReLU"/> runs as one op, the ReLU
    /// applied as each tile of the output is stored (<see cref="Functional.LinearRelu"/>,
    /// <see cref="Functional.Conv2dRelu"/>): the same values and gradients, one pass over the output and one tensor
    /// fewer.</para>
    /// <para>With gradient recording off (inference), an intermediate output that one built-in module made and the
    /// next built-in module has consumed is dead, and its storage goes back to <see cref="StoragePool"/> for the next
    /// op of the same size (the next batch's). Built-in modules keep no reference to their input or output, and
    /// nothing outside this loop has seen an intermediate; a module of any other type (yours, or a container, which
    /// may hold yours) might keep one, so its input and output are never given back. The input and the result are
    /// never given back either.</para>
    /// </remarks>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        bool recycle = !Autograd.IsEnabled && StoragePool.Enabled;
        Array? dead = null;   // x's storage while a built-in module made it and nothing else may hold it
        for (int i = 0; i < _modules.Count; i++)
        {
            var module = _modules[i];
            Tensor y;
            if (i + 1 < _modules.Count && _modules[i + 1] is ReLU relu && module is IFusesRelu fusing)
            {
                y = fusing.ForwardRelu(x);
                SummaryTrace.Record(module, y);   // ReLU keeps the shape: the layer's row shows the same one
                SummaryTrace.Record(relu, y);
                i++;
            }
            else
            {
                y = module.Forward(x);
                SummaryTrace.Record(module, y);
            }
            if (!recycle) { x = y; continue; }
            bool builtIn = KeepsNoTensors(module);
            bool shared = ReferenceEquals(y.Storage, x.Storage);   // a view or the input itself (Flatten, Dropout in eval)
            if (dead is not null && builtIn && !shared) StoragePool.Return(dead);
            dead = builtIn ? (shared ? dead : y.Storage) : null;
            x = y;
        }
        return x;
    }

    /// <summary>
    /// Module types that keep no reference to the tensors they are given or return (all sealed, all Cajal's own):
    /// the ones whose intermediate outputs <see cref="Forward"/> may give back in inference.
    /// </summary>
    internal static readonly HashSet<Type> TensorFreeModules =
    [
        typeof(Linear), typeof(Identity), typeof(Flatten), typeof(Sigmoid), typeof(Tanh), typeof(ReLU), typeof(LeakyReLU),
        typeof(ELU), typeof(GELU), typeof(Softplus), typeof(SiLU), typeof(Softmax), typeof(LogSoftmax), typeof(MaxPool2d),
        typeof(AvgPool2d), typeof(AdaptiveAvgPool2d), typeof(Conv2d), typeof(ConvTranspose2d), typeof(BatchNorm1d),
        typeof(BatchNorm2d), typeof(LayerNorm), typeof(Dropout),
    ];

    private static bool KeepsNoTensors(Module module) => TensorFreeModules.Contains(module.GetType());

    /// <inheritdoc/>
    public override IEnumerable<(string Name, Module Module)> NamedChildren() =>
        _modules.Select((m, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), m));

    /// <summary>Iterates the modules in order.</summary>
    public IEnumerator<Module> GetEnumerator() => _modules.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Holds modules in a list so their parameters are registered; it has no forward of its own.</summary>
public sealed class ModuleList : Module, IEnumerable<Module>
{
    private readonly List<Module> _modules;

    /// <summary>Creates the list.</summary>
    public ModuleList(params Module[] modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        _modules = [.. modules];
    }

    /// <summary>The number of modules.</summary>
    public int Count => _modules.Count;

    /// <summary>The module at <paramref name="index"/>.</summary>
    public Module this[int index] => _modules[index];

    /// <summary>Appends a module; returns this.</summary>
    public ModuleList Add(Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        _modules.Add(module);
        return this;
    }

    /// <summary>Always throws: a ModuleList is a container, iterate it and call its modules instead.</summary>
    public override Tensor Forward(Tensor input) =>
        throw new InvalidOperationException("ModuleList has no Forward: iterate its modules and call them in your own module's Forward.");

    /// <inheritdoc/>
    public override IEnumerable<(string Name, Module Module)> NamedChildren() =>
        _modules.Select((m, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), m));

    /// <summary>Iterates the modules in order.</summary>
    public IEnumerator<Module> GetEnumerator() => _modules.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// A module whose output followed by ReLU has a fused op (values and gradients those of the two):
/// <see cref="Sequential.Forward"/> runs it for the module followed by a <see cref="ReLU"/>.
/// </summary>
internal interface IFusesRelu
{
    /// <summary>ReLU(Forward(input)) as one op.</summary>
    Tensor ForwardRelu(Tensor input);
}
