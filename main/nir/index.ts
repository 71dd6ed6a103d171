/** NIR (Neuromorphic Intermediate Representation) export and import; see README.md. */
export { nirExportability, type NirExportability } from './exportability.js'
export { checkNirGraph, type CheckedGraph, type FlatNode, type NodeShapes } from './nir-check.js'
export { DEFAULT_EXPORT_DT, floatNetworkToNir, writeNir, type NirExport, type WriteNirOptions } from './nir-export.js'
export { NIR_VERSION, readNirGraphFile, writeNirGraphFile, type NirFileContents } from './nir-file.js'
export { floatArray, intArray, intScalar, NODE_SPECS, type NirArray, type NirGraph, type NirMetadata, type NirNode } from './nir-graph.js'
export { nirToFloatNetwork, readNir, type DtSource, type NirImport, type ReadNirOptions } from './nir-import.js'
