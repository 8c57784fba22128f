// Reports of a run: TAP, JUnit, merged pcap, FSM coverage diagram, ladder diagrams, HTML.
export type { Figure, SuiteResult, TestResult, TraceLine } from '../peer/contract.js';
export { coverageDiagram, type ExercisedTest, type RowCoverage, rowCoverage, tableCoverage } from './coverage.js';
export { slug, xmlAttr, xmlText } from './escape.js';
export { type HtmlInput, indexHtml, type LadderRef } from './html.js';
export { junitXml } from './junit.js';
export { type LadderOptions, ladderSvg, segmentLabel } from './ladder.js';
export { type MergedPcap, mergePcaps, type PcapInput } from './pcap-merge.js';
export { type Counts, countRun, type RunOptionsRecord, type RunRecord, runOk, type SuiteRun, suiteOk, suiteRan, type TapTest, testsOf } from './run.js';
export { renderDot, svgElement } from './svg.js';
export { suitePoint, TapComposer, yamlBlock } from './tap.js';
export { traceLineText, traceText } from './trace-text.js';
export { createRunDir, linkLatest, type ReportFiles, runDirName, writeReports } from './write.js';
