import { lazy, Suspense, useEffect, useRef } from 'react';
import { AccessToken } from './components/AccessToken';
import { Loading } from './components/States';
import { href, useRoute, type Route } from './router';
import { PatientsView } from './views/PatientsView';
import { PatientView } from './views/PatientView';
import { UploadView } from './views/UploadView';

// NiiVue is most of the bundle: load it only when someone opens the images.
const ViewerView = lazy(() => import('./views/ViewerView').then((m) => ({ default: m.ViewerView })));

/** The dashboard shell: header, one view per hash route, focus moved to the new view for keyboard users. */
export function App() {
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  useEffect(() => {
    main.current?.focus();
  }, [route]);
  return (
    <>
      <a className="skip-link" href="#main" onClick={(e) => (e.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <header className="app-header">
        <a className="brand" href={href({ view: 'patients' })}>
          ADNI progression
        </a>
        <nav aria-label="Main">
          <a href={href({ view: 'patients' })} aria-current={route.view === 'patients' || route.view === 'patient' ? 'page' : undefined}>
            Patients
          </a>
          <a href={href({ view: 'upload' })} aria-current={route.view === 'upload' ? 'page' : undefined}>
            Upload
          </a>
        </nav>
        <AccessToken />
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Suspense fallback={<Loading what="the viewer" />}>
          <View route={route} />
        </Suspense>
      </main>
    </>
  );
}

function View({ route }: { route: Route }) {
  switch (route.view) {
    case 'patients':
      return <PatientsView />;
    case 'patient':
      return <PatientView key={route.patientId} patientId={route.patientId} />;
    case 'viewer':
      return <ViewerView patientId={route.patientId} sessionDate={route.sessionDate} />;
    case 'upload':
      return <UploadView patientId={route.patientId} sessionDate={route.sessionDate} />;
    default:
      return (
        <section>
          <h1>Page not found</h1>
          <p>
            Nothing at “{route.path}”. <a href={href({ view: 'patients' })}>Go to the patients</a>.
          </p>
        </section>
      );
  }
}
