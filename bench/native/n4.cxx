// Native ITK N4 for the benchmark: the same parameters as shared/pipeline/n4 (ANTs conventions: shrink
// factor, B-spline distance in mm, padding so the mesh covers whole spans). Prints one JSON line.
// Usage: n4 in.nii.gz out.nii.gz shrink iterations(e.g. 50x50x50x50) threshold distanceMm [mask.nii.gz|-] [field.nii.gz]
#include <chrono>
#include <cmath>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>
#include "itkBSplineControlPointImageFilter.h"
#include "itkConstantPadImageFilter.h"
#include "itkDivideImageFilter.h"
#include "itkExpImageFilter.h"
#include "itkExtractImageFilter.h"
#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"
#include "itkN4BiasFieldCorrectionImageFilter.h"
#include "itkOtsuThresholdImageFilter.h"
#include "itkShrinkImageFilter.h"

using ImageType = itk::Image<float, 3>;
using MaskType = itk::Image<unsigned char, 3>;

int main(int argc, char **argv) {
  if (argc < 7) { std::cerr << "usage: n4 in out shrink iters threshold distance [mask|-] [field]\n"; return 2; }
  const unsigned shrink = std::stoi(argv[3]);
  std::vector<unsigned> iters;
  { std::stringstream ss(argv[4]); std::string t; while (std::getline(ss, t, 'x')) iters.push_back(std::stoi(t)); }
  const double threshold = std::stod(argv[5]);
  const double distance = std::stod(argv[6]);
  auto t0 = std::chrono::steady_clock::now();

  auto reader = itk::ImageFileReader<ImageType>::New();
  reader->SetFileName(argv[1]);
  reader->Update();
  ImageType::Pointer input = reader->GetOutput();
  MaskType::Pointer mask;
  if (argc > 7 && std::string(argv[7]) != "-") {
    auto mr = itk::ImageFileReader<MaskType>::New();
    mr->SetFileName(argv[7]);
    mr->Update();
    mask = mr->GetOutput();
    mask->SetOrigin(input->GetOrigin());
    mask->SetDirection(input->GetDirection());
  } else {
    auto otsu = itk::OtsuThresholdImageFilter<ImageType, MaskType>::New();
    otsu->SetInput(input);
    otsu->SetNumberOfHistogramBins(200);
    otsu->SetInsideValue(0);
    otsu->SetOutsideValue(1);
    otsu->Update();
    mask = otsu->GetOutput();
  }
  auto t1 = std::chrono::steady_clock::now();

  // ANTs N4: pad so the domain is a whole number of spans of `distance` mm.
  ImageType::SizeType lower, upper;
  itk::FixedArray<unsigned, 3> ncp;
  for (unsigned d = 0; d < 3; d++) {
    const double domain = input->GetSpacing()[d] * (input->GetLargestPossibleRegion().GetSize()[d] - 1);
    const unsigned spans = std::max(1.0, std::ceil(domain / distance));
    const unsigned extra = static_cast<unsigned>((spans * distance - domain) / input->GetSpacing()[d] + 0.5);
    lower[d] = extra / 2;
    upper[d] = extra - lower[d];
    ncp[d] = spans + 3;
  }
  auto pad = itk::ConstantPadImageFilter<ImageType, ImageType>::New();
  pad->SetInput(input); pad->SetPadLowerBound(lower); pad->SetPadUpperBound(upper); pad->SetConstant(0);
  pad->Update();
  auto padm = itk::ConstantPadImageFilter<MaskType, MaskType>::New();
  padm->SetInput(mask); padm->SetPadLowerBound(lower); padm->SetPadUpperBound(upper); padm->SetConstant(0);
  padm->Update();

  auto sh = itk::ShrinkImageFilter<ImageType, ImageType>::New();
  sh->SetInput(pad->GetOutput()); sh->SetShrinkFactors(shrink); sh->Update();
  auto shm = itk::ShrinkImageFilter<MaskType, MaskType>::New();
  shm->SetInput(padm->GetOutput()); shm->SetShrinkFactors(shrink); shm->Update();

  using N4Type = itk::N4BiasFieldCorrectionImageFilter<ImageType, MaskType, ImageType>;
  auto n4 = N4Type::New();
  n4->SetInput(sh->GetOutput());
  n4->SetMaskImage(shm->GetOutput());
  N4Type::VariableSizeArrayType maxIters(iters.size());
  for (size_t i = 0; i < iters.size(); i++) maxIters[i] = iters[i];
  n4->SetMaximumNumberOfIterations(maxIters);
  n4->SetNumberOfFittingLevels(iters.size());
  n4->SetConvergenceThreshold(threshold);
  n4->SetNumberOfControlPoints(ncp);
  n4->SetSplineOrder(3);
  n4->Update();
  auto t2 = std::chrono::steady_clock::now();

  // Full-resolution field from the lattice, on the padded grid, then cropped.
  using LatticeType = N4Type::BiasFieldControlPointLatticeType;
  using ScalarImage = N4Type::ScalarImageType;
  auto recon = itk::BSplineControlPointImageFilter<LatticeType, ScalarImage>::New();
  recon->SetInput(n4->GetLogBiasFieldControlPointLattice());
  recon->SetSplineOrder(3);
  recon->SetSize(pad->GetOutput()->GetLargestPossibleRegion().GetSize());
  recon->SetOrigin(pad->GetOutput()->GetOrigin());
  recon->SetSpacing(pad->GetOutput()->GetSpacing());
  recon->SetDirection(pad->GetOutput()->GetDirection());
  recon->Update();
  using VecImage = ScalarImage;
  auto logField = ImageType::New();
  logField->CopyInformation(pad->GetOutput());
  logField->SetRegions(pad->GetOutput()->GetLargestPossibleRegion());
  logField->Allocate();
  itk::ImageRegionIterator<ImageType> lf(logField, logField->GetLargestPossibleRegion());
  itk::ImageRegionConstIterator<VecImage> rc(recon->GetOutput(), recon->GetOutput()->GetLargestPossibleRegion());
  for (; !lf.IsAtEnd(); ++lf, ++rc) lf.Set(rc.Get()[0]);
  auto ex = itk::ExpImageFilter<ImageType, ImageType>::New();
  ex->SetInput(logField);
  auto crop = itk::ExtractImageFilter<ImageType, ImageType>::New();
  crop->SetInput(ex->GetOutput());
  ImageType::RegionType region = input->GetLargestPossibleRegion();
  ImageType::IndexType start = pad->GetOutput()->GetLargestPossibleRegion().GetIndex();
  for (unsigned d = 0; d < 3; d++) start[d] += lower[d];
  region.SetIndex(start);
  crop->SetExtractionRegion(region);
  crop->SetDirectionCollapseToIdentity();
  crop->Update();
  ImageType::Pointer field = crop->GetOutput();
  field->CopyInformation(input);
  auto div = itk::DivideImageFilter<ImageType, ImageType, ImageType>::New();
  div->SetInput1(input); div->SetInput2(field); div->Update();
  auto t3 = std::chrono::steady_clock::now();

  auto w = itk::ImageFileWriter<ImageType>::New();
  w->SetInput(div->GetOutput()); w->SetFileName(argv[2]); w->Update();
  if (argc > 8) { auto wf = itk::ImageFileWriter<ImageType>::New(); wf->SetInput(field); wf->SetFileName(argv[8]); wf->Update(); }
  auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };
  std::cout << "{\"readMs\":" << ms(t0, t1) << ",\"n4Ms\":" << ms(t1, t2) << ",\"reconstructMs\":" << ms(t2, t3)
            << ",\"totalMs\":" << ms(t1, t3) << ",\"iterations\":[";
  auto el = n4->GetElapsedIterations(); (void)el;
  std::cout << "],\"threads\":" << itk::MultiThreaderBase::GetGlobalDefaultNumberOfThreads() << "}" << std::endl;
  return 0;
}
