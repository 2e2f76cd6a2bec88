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
    /// <remarks>A <see cref="Linear"/> followed by a <see cref="ReLU"/> runs as one op, the ReLU applied in the GEMM's
    /// epilogue (<see cref="Functional.LinearRelu"/>): the same values and gradients, one pass over the output fewer.</remarks>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        for (int i = 0; i < _modules.Count; i++)
        {
            var module = _modules[i];
            if (module is Linear linear && i + 1 < _modules.Count && _modules[i + 1] is ReLU relu)
            {
                x = linear.ForwardRelu(x);
                SummaryTrace.Record(linear, x);   // ReLU keeps the shape: the Linear's row shows the same one
                SummaryTrace.Record(relu, x);
                i++;
                continue;
            }
            x = module.Forward(x);
            SummaryTrace.Record(module, x);
        }
        return x;
    }

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
