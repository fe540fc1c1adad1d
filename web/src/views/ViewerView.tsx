import { useEffect, useMemo, useRef, useState } from 'react';
import { useApi } from '../api/context';
import type { OutputList } from '../api/schemas';
import { Empty, ErrorState, Loading } from '../components/States';
import { formatDate } from '../format';
import { useAsync } from '../hooks/useAsync';
import { href } from '../router';

/** Output file names the viewer shows (issue 3's pipeline outputs). */
export const VIEWER_FILES = { mri: 'mri_brain.nii.gz', atlas: 'atlas_in_t1.nii.gz', pet: 'pet_suvr.nii.gz', features: 'roi_features.json' } as const;

/** Which layers of a session exist; the brain is required, overlays are optional. */
export function viewerLayers(outputs: OutputList) {
  const find = (name: string) => outputs.files.find((f) => f.name === name);
  return { mri: find(VIEWER_FILES.mri), atlas: find(VIEWER_FILES.atlas), pet: find(VIEWER_FILES.pet), features: find(VIEWER_FILES.features) };
}

/**
 * A label colour table for NiiVue from atlas region names: distinct hues, index 0 transparent.
 *
 * @example
 * labelColormap(new Map([[1, 'Precentral_L']])) // { R: [0, r1], G: [...], B: [...], A: [0, 255], I: [0, 1], labels: ['', 'Precentral_L'] }
 */
export function labelColormap(names: ReadonlyMap<number, string>) {
  const max = Math.max(0, ...names.keys());
  const cm = { R: [] as number[], G: [] as number[], B: [] as number[], A: [] as number[], I: [] as number[], labels: [] as string[] };
  for (let i = 0; i <= max; i++) {
    // Golden-angle hues keep neighbouring indices (often neighbouring regions) apart.
    const [r, g, b] = hsl((i * 137.508) % 360, 0.65, 0.55);
    cm.R.push(i === 0 ? 0 : r);
    cm.G.push(i === 0 ? 0 : g);
    cm.B.push(i === 0 ? 0 : b);
    cm.A.push(i === 0 ? 0 : 255);
    cm.I.push(i);
    cm.labels.push(names.get(i) ?? (i === 0 ? '' : `label ${i}`));
  }
  return cm;
}

function hsl(h: number, s: number, l: number): [number, number, number] {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return [Math.round(255 * f(0)), Math.round(255 * f(8)), Math.round(255 * f(4))];
}

/**
 * The readout for one position: atlas region name (from the label table) and PET SUVR.
 *
 * @example
 * describeLocation(['', 'Hippocampus_L'], 1, 1.234) // 'Region: Hippocampus_L · SUVR 1.23'
 */
export function describeLocation(labels: readonly string[] | undefined, label: number, suvr?: number): string {
  const index = Math.round(label);
  const name = index > 0 ? labels?.[index] || `label ${index}` : 'no atlas region';
  return `Region: ${name}${suvr !== undefined && Number.isFinite(suvr) ? ` · SUVR ${suvr.toFixed(2)}` : ''}`;
}

type SliceView = 'multiplanar' | 'axial' | 'coronal' | 'sagittal';
const SLICE_TYPES: Record<SliceView, number> = { axial: 0, coronal: 1, sagittal: 2, multiplanar: 3 };

/** The session's brain with the atlas (region names on hover) and the PET SUVR overlay with its colour bar. */
export function ViewerView({ patientId, sessionDate }: { patientId: string; sessionDate: string }) {
  const api = useApi();
  const [outputs, reload] = useAsync((signal) => api.listOutputs(patientId, sessionDate, signal), [patientId, sessionDate]);
  // One object per answer: the NiiVue panel reloads its volumes only when the outputs change.
  const layers = useMemo(() => (outputs.data ? viewerLayers(outputs.data) : undefined), [outputs.data]);

  return (
    <section aria-labelledby="viewer-title">
      <p>
        <a href={href({ view: 'patient', patientId })}>← Patient {patientId}</a>
      </p>
      <h1 id="viewer-title">
        Images · {patientId} · {formatDate(sessionDate)}
      </h1>
      {outputs.status === 'loading' && !outputs.data && <Loading what="session outputs" />}
      {outputs.status === 'error' && <ErrorState error={outputs.error} onRetry={reload} title="Could not list the session's outputs" />}
      {layers && !layers.mri && (
        <Empty>
          <p>
            This session has no preprocessed brain image ({VIEWER_FILES.mri}) yet. Its status is on the <a href={href({ view: 'patient', patientId })}>patient page</a>.
          </p>
        </Empty>
      )}
      {layers?.mri && <NiiVuePanel layers={layers} />}
    </section>
  );
}

type Layers = ReturnType<typeof viewerLayers>;

function NiiVuePanel({ layers }: { layers: Layers }) {
  const api = useApi();
  const canvas = useRef<HTMLCanvasElement>(null);
  const nvRef = useRef<import('@niivue/niivue').Niivue | undefined>(undefined);
  const [state, setState] = useState<{ status: 'loading' } | { status: 'ready' } | { status: 'error'; error: Error }>({ status: 'loading' });
  const [hover, setHover] = useState<string>('Move the pointer over the brain to name the atlas region.');
  const [showAtlas, setShowAtlas] = useState(true);
  const [showPet, setShowPet] = useState(true);
  const [petOpacity, setPetOpacity] = useState(0.5);
  const [view, setView] = useState<SliceView>('multiplanar');
  const [petRange, setPetRange] = useState<[number, number] | undefined>();
  // Volume order in NiiVue: 0 brain, then PET, then atlas (on top, so its outline is visible over the PET).
  const petIndex = layers.pet ? 1 : -1;
  const atlasIndex = layers.atlas ? (layers.pet ? 2 : 1) : -1;

  useEffect(() => {
    let cancelled = false;
    const element = canvas.current;
    if (!element) return;
    const onMove = (event: MouseEvent) => {
      const nv = nvRef.current;
      if (!nv || atlasIndex < 0 || nv.volumes.length <= atlasIndex) return;
      try {
        const dpr = window.devicePixelRatio || 1;
        const frac = nv.canvasPos2frac([event.offsetX * dpr, event.offsetY * dpr]);
        if (frac[0] < 0) return setHover('Outside the image.');
        const mm = nv.frac2mm(frac, 0, true);
        const atlas = nv.volumes[atlasIndex];
        const vox = atlas.mm2vox(Array.from(mm) as number[]);
        const label = atlas.getValue(vox[0], vox[1], vox[2]);
        let suvr: number | undefined;
        if (petIndex >= 0) {
          const pet = nv.volumes[petIndex];
          const pv = pet.mm2vox(Array.from(mm) as number[]);
          suvr = pet.getValue(pv[0], pv[1], pv[2]);
        }
        setHover(describeLocation(atlas.colormapLabel?.labels, label, suvr));
      } catch {
        // A position between slices or before the volumes are ready: nothing to name.
      }
    };
    (async () => {
      try {
        const { Niivue } = await import('@niivue/niivue');
        const regionNames = new Map<number, string>();
        if (layers.features && layers.atlas) {
          const features = await api.roiFeatures(layers.features.href).catch(() => undefined);
          for (const r of features?.regions ?? []) regionNames.set(r.index, r.name);
        }
        if (cancelled) return;
        const nv = new Niivue({ isColorbar: true, backColor: [0, 0, 0, 1], show3Dcrosshair: true, dragAndDropEnabled: false, loadingText: 'Loading images…' });
        nvRef.current = nv;
        await nv.attachToCanvas(element);
        // Through the API (it redirects large files to presigned GETs; the browser drops the token on that hop).
        const headers = api.authHeaders();
        const volumes: Parameters<typeof nv.loadVolumes>[0] = [{ url: layers.mri!.href, headers, name: VIEWER_FILES.mri, colormap: 'gray', colorbarVisible: false }];
        if (layers.pet) volumes.push({ url: layers.pet.href, headers, name: VIEWER_FILES.pet, colormap: 'warm', opacity: 0.5, colorbarVisible: true, cal_min: 0.5, cal_max: 2.5 });
        if (layers.atlas) volumes.push({ url: layers.atlas.href, headers, name: VIEWER_FILES.atlas, opacity: 0.35, colorbarVisible: false });
        await nv.loadVolumes(volumes);
        if (cancelled) return;
        if (atlasIndex >= 0) {
          nv.volumes[atlasIndex].setColormapLabel(labelColormap(regionNames));
          nv.updateGLVolume();
        }
        if (petIndex >= 0) {
          const pet = nv.volumes[petIndex];
          setPetRange([Number((pet.cal_min ?? 0).toFixed(2)), Number((pet.cal_max ?? 0).toFixed(2))]);
        }
        nv.setSliceType(SLICE_TYPES.multiplanar);
        // The crosshair (clicks, and the keys H/L, J/K, Ctrl+U/D) names its region too: keyboard users get the readout.
        nv.onLocationChange = (location: unknown) => {
          const values = (location as { values?: { value: number }[] }).values ?? [];
          if (atlasIndex < 0 || !values[atlasIndex]) return;
          setHover(describeLocation(nv.volumes[atlasIndex].colormapLabel?.labels, values[atlasIndex].value, petIndex >= 0 ? values[petIndex]?.value : undefined));
        };
        element.addEventListener('mousemove', onMove);
        element.dataset.loaded = 'true';
        setState({ status: 'ready' });
      } catch (error) {
        if (!cancelled) setState({ status: 'error', error: error instanceof Error ? error : new Error(String(error)) });
      }
    })();
    return () => {
      cancelled = true;
      element.removeEventListener('mousemove', onMove);
      nvRef.current = undefined;
    };
  }, [api, layers, atlasIndex, petIndex]);

  useEffect(() => {
    const nv = nvRef.current;
    if (!nv || state.status !== 'ready') return;
    if (petIndex >= 0) nv.setOpacity(petIndex, showPet ? petOpacity : 0);
    if (atlasIndex >= 0) nv.setOpacity(atlasIndex, showAtlas ? 0.35 : 0);
    nv.setSliceType(SLICE_TYPES[view]);
  }, [state.status, showPet, petOpacity, showAtlas, view, petIndex, atlasIndex]);

  return (
    <div className="viewer">
      <fieldset className="viewer-controls">
        <legend>Display</legend>
        <label>
          View{' '}
          <select value={view} onChange={(e) => setView(e.target.value as SliceView)}>
            <option value="multiplanar">All planes</option>
            <option value="axial">Axial</option>
            <option value="coronal">Coronal</option>
            <option value="sagittal">Sagittal</option>
          </select>
        </label>
        <label>
          <input type="checkbox" checked={showAtlas} disabled={atlasIndex < 0} onChange={(e) => setShowAtlas(e.target.checked)} /> Atlas{atlasIndex < 0 ? ' (not in outputs)' : ''}
        </label>
        <label>
          <input type="checkbox" checked={showPet} disabled={petIndex < 0} onChange={(e) => setShowPet(e.target.checked)} /> PET SUVR{petIndex < 0 ? ' (not in outputs)' : ''}
        </label>
        <label>
          PET opacity{' '}
          <input type="range" min={0} max={1} step={0.05} value={petOpacity} disabled={petIndex < 0 || !showPet} onChange={(e) => setPetOpacity(Number(e.target.value))} />
        </label>
      </fieldset>
      {state.status === 'loading' && <Loading what="images" />}
      {state.status === 'error' && <ErrorState error={state.error} title="The images could not be displayed" />}
      <div className="canvas-wrap">
        <canvas ref={canvas} data-testid="niivue-canvas" tabIndex={0} aria-label="Brain MRI with atlas and PET SUVR overlays. Keys H and L, J and K, Ctrl+U and Ctrl+D move the crosshair; the region under it is read out below the image." />
      </div>
      <p className="hover-readout" aria-live="polite" data-testid="hover-readout">
        {hover}
      </p>
      {petRange && (
        <p className="muted">
          PET SUVR colour bar (warm): {petRange[0]} to {petRange[1]}; shown beneath the images.
        </p>
      )}
    </div>
  );
}
