/**
 * Spike-train analysis and functional classification (issue 8): the public API of main/spikes.
 */
export { digamma, lnGamma, nsbEntropy, nsbGrid, nsbIdentityInformation } from './nsb.js'
export type { Times, CleanTrain } from './spike-train.js'
export { cleanTrain, restrictTrain } from './spike-train.js'

// Statistics (Elephant definitions)
export { isi, meanFiringRate, cv, cv2, lv, lvr, fanoFactor, fanoFactorOfCounts, isiHistogram } from './isi-statistics.js'
export type { RateWindow, IsiHistogram } from './isi-statistics.js'
export { binCount, binIndex, binTrain, BIN_TOLERANCE } from './binning.js'
export { timeHistogram, smoothedRate, kernelValue } from './psth.js'
export type { Psth, PsthOptions, PsthOutput, KernelShape, SmoothedRate, SmoothedRateOptions } from './psth.js'
export { crossCorrelogram, autoCorrelogram } from './correlogram.js'
export type { Correlogram, CorrelogramOptions } from './correlogram.js'

// Distances
export { victorPurpuraDistance, vanRossumDistance } from './dissimilarity.js'
export type { VanRossumNormalisation } from './dissimilarity.js'
export { isiDistance, spikeDistance, spikeSync, spikeSyncCounts, isiDistanceMulti, spikeDistanceMulti, spikeSyncMulti, pairwiseMatrix, autoThreshold } from './pyspike-measures.js'
export type { Edges, PySpikeOptions, SpikeDistanceOptions, SyncOptions, SyncCounts } from './pyspike-measures.js'

// Synthetic retina
export { mulberry32Uint, uniformAt, normalAt } from './rng.js'
export { generateSyntheticRetina, syntheticToSpikeBatch, syntheticToCsv, syntheticToRecording, RETINA_CELL_TYPES } from './synthetic-retina.js'
export type { SyntheticRetina, SyntheticRetinaOptions, SyntheticCell, CellTypeSpec } from './synthetic-retina.js'

// Functional classification
export { classifyCells } from './classify.js'
export type { ClassifyOptions, ClassificationResult, SpikesToIdentify } from './classify.js'
export type { JobHooks, JobProgress } from './job-control.js'
export { responsesFromBatch, responsesFromTrains, selectRepeats } from './responses.js'
export type { RepeatedResponses, ResponseOptions } from './responses.js'
export { buildWordHistograms, histogramFromCounts, addHistograms, sumHistograms } from './word-histograms.js'
export type { WordHistogram, WordHistograms, WordOptions } from './word-histograms.js'
export { identityInformation, partitionInformation, mergeCost, mergeCostBias, gTable, cellIdentifiability, pooledHistogram } from './information.js'
export type { IdentityInformation } from './information.js'
export { agglomerativeIB } from './aib.js'
export type { AibResult, Merge, AibOptions } from './aib.js'
export { cutAt, informationCurve, mergeCostAt, kByJump, kByKnee, kByFloor, dendrogramHeights } from './dendrogram.js'
export type { KChoice } from './dendrogram.js'
export { sequentialIB } from './sequential-ib.js'
export type { SequentialIBResult } from './sequential-ib.js'
export { splitHalfFloor, quadraticExtrapolation, singleSpikeInformation, seededPermutation } from './estimators.js'
export type { ExtrapolatedInformation } from './estimators.js'
export { adjustedRandIndex } from './adjusted-rand.js'

// Readers and writers
export type { SpikeRecording, SpikeUnit, TrialInfo, TimeBase } from './recording.js'
export { alignToTrials, sortBatch, unitTimes } from './recording.js'
export { parseLongCsv, readLongCsv, parseTrialEvents } from './long-csv.js'
export type { LongCsvOptions, TimeUnit } from './long-csv.js'
export { readNwbUnits, readNwbAligned, writeNwbUnits } from './nwb.js'
export type { NwbReadOptions, NwbWriteInput } from './nwb.js'
export { readPhyFolder, parsePhyParams, parseClusterTable } from './phy-folder.js'
export type { PhyRecording, PyLiteral } from './phy-folder.js'
export { parseNpy, npyVector, npyFirstColumn, writeNpy } from './npy.js'
export type { NpyArray } from './npy.js'
export { parseMatV5, readMatV5, matAt, matSpikeVectorToRecording, matRasterToRecording } from './mat-v5.js'
export type { MatArray } from './mat-v5.js'
export { spikeTimeTilingCoefficient } from './sttc.js'
export { openSpikeFile, repeatDuration } from './open-spike-file.js'
export { unitStatistics, type UnitStatistics } from './unit-statistics.js'

// Views and exports
export { classicalMds, jacobiEigen, type MdsResult } from './mds.js'
export { divergenceMap, jsDistances, type DivergenceMap } from './divergence-map.js'
export { correlogramMatrix, type CorrelogramMatrix, type CorrelogramMatrixOptions } from './correlogram-matrix.js'
export { bootstrapInformation, bootstrapRepeats, percentileOfSorted, type BootstrapInterval, type BootstrapOptions } from './bootstrap.js'
export { boardSpikesToEvents, writeBoardSpikeFile, readEventSpikeFile, type BoardSpikeRecords } from './board-spikes.js'
export { formatCsv, csvField, type CsvCell } from './csv-table.js'
export type { ElectrodeInfo } from './recording.js'
