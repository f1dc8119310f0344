import SimIO
import ElsaModel

/// Every accelerator model, registered once: a config's `"accelerator"` field names one of these
/// (`docs/architecture.md`, "Adding an accelerator"). A config without the field is an ELSA config
/// (`elsa-config/1` predates the field).
public enum AcceleratorRegistry {
    /// The registry: one line per model.
    public static let models: [any AcceleratorModel.Type] = [
        ElsaAccelerator.self,
        A3Accelerator.self,
        IdealAccelerator.self,
    ]

    /// The `"accelerator"` values, in registry order.
    public static var names: [String] { models.map { $0.accelerator } }

    /// The model `file` names: its `"accelerator"` field, else the model whose `"format"` it has, else
    /// ELSA (whose loader then reports an unreadable or invalid file).
    public static func modelType(file: String) throws(ConfigError) -> any AcceleratorModel.Type {
        guard case let .success(data) = InputFile.readDocument(file),
              let object = (try? JSONValue.parse(data))?.objectValue else { return ElsaAccelerator.self }
        if let value = object["accelerator"] {
            guard let name = value.stringValue, let model = models.first(where: { $0.accelerator == name }) else {
                throw .inFile(file: file, error: .invalidValue(path: "accelerator", value: value.stringValue ?? value.kindDescription,
                                                               expected: names.map { "\"\($0)\"" }.joined(separator: ", ")))
            }
            return model
        }
        if let format = object["format"]?.stringValue, let model = models.first(where: { $0.format == format }) { return model }
        return ElsaAccelerator.self
    }

    /// Loads `file` with the model it names.
    public static func load(file: String, options: LoadOptions = LoadOptions()) throws -> any AcceleratorModel {
        try modelType(file: file).load(file: file, options: options)
    }
}
